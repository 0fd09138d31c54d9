"""Run upstream's PyTorch reference SUT (r1.0 speech_recognition/rnnt/run.py) on today's toolchain.

Only to measure this project's harness against it (make mlperf-compare), in its own environment
(requirements-reference.txt). Upstream's code is run from the user's clone as it is; four things
stop it today, and none of the changes made here alters what it computes:

  - LoadGen 6's ConstructSUT takes two callbacks (issue, flush); r1.0 passes a third
    (process_latencies, which only prints): it is dropped;
  - torch.jit.script of its audio preprocessing fails on torch 2.13 (the forward is wrapped in
    no_grad): the preprocessing runs eagerly, as the same module's Python code;
  - torch.stft now needs return_complex: complex output, viewed as the (re, im) pairs r1.0 expects;
  - librosa 0.10 and later refuse r1.0's positional filters.mel call: the environment pins 0.9.2.

Usage: python -m measure.reference_sut RNNT_DIR [run.py's arguments]
"""
import os
import runpy
import sys


def patch():
    import mlperf_loadgen as lg
    import torch
    import torch.jit._recursive

    construct = lg.ConstructSUT
    lg.ConstructSUT = lambda issue, flush, *unused: construct(issue, flush)

    stft = torch.stft

    def stft_as_pairs(*args, **kwargs):
        if "return_complex" in kwargs:
            return stft(*args, **kwargs)
        return torch.view_as_real(stft(*args, return_complex=True, **kwargs))
    torch.stft = stft_as_pairs

    class Eager:
        """What pytorch_SUT takes for a scripted module: `._c` is handed to freezing below."""
        def __init__(self, module):
            self._c = module

    script, freeze, wrap = torch.jit.script, torch._C._freeze_module, torch.jit._recursive.wrap_cpp_module
    torch.jit.script = lambda obj, *a, **k: Eager(obj) if type(obj).__name__ == "AudioPreprocessing" \
        else script(obj, *a, **k)
    torch._C._freeze_module = lambda module, *a, **k: module if isinstance(module, torch.nn.Module) \
        else freeze(module, *a, **k)
    torch.jit._recursive.wrap_cpp_module = lambda module: module if isinstance(module, torch.nn.Module) \
        else wrap(module)


def main():
    if len(sys.argv) < 2 or not os.path.isfile(os.path.join(sys.argv[1], "run.py")):
        sys.exit("usage: python -m measure.reference_sut RNNT_DIR [run.py's arguments]: RNNT_DIR is "
                 "speech_recognition/rnnt of an r1.0 clone")
    rnnt_dir = os.path.abspath(sys.argv[1])
    os.chdir(rnnt_dir)                    # run.py and pytorch_SUT.py find their code from here
    sys.path.insert(0, rnnt_dir)
    patch()
    sys.argv = [os.path.join(rnnt_dir, "run.py"), *sys.argv[2:]]
    runpy.run_path(sys.argv[0], run_name="__main__")


if __name__ == "__main__":
    main()
