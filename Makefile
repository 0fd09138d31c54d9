# MLCommons RNN-T (MLPerf Inference r1.0, PyTorch) -> ONNX -> OpenVINO IR.
#
#   make ir                  clone, download, migrate, export three ONNX, convert three IR
#   make SEQ_LEN=300 ir      the same with the encoder fixed to 300 frames
#   make SEQ_LEN=dynamic ir  an encoder for any number of frames, its lengths a real input
#   make CONVERTER=ovc ir    converted by ovc from today's openvino instead of the legacy mo
#   make help                targets and variables
#
# Each step is a file target, so make redoes only what changed. Variables that change what a
# step produces without changing a file (a URL, a path, a checksum, the opset) are remembered in
# $(BUILD_DIR)/config/, and the steps depend on those files.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules
THIS_MAKEFILE := $(firstword $(MAKEFILE_LIST))
comma := ,

# ---- Variables a user may set (make help lists them, from the comment above each) ---------------
## the Python that makes the environments
PYTHON         ?= python3
## PyTorch's CPU wheel index, asked first for torch (empty: use your default index)
TORCH_INDEX    ?= https://download.pytorch.org/whl/cpu
## mo (openvino-dev 2024.6, Python 3.11-3.12) or ovc (openvino 2026.4, Python 3.11-3.14)
CONVERTER      ?= mo
## the mo route's environment (an existing one is used as it is)
VENV           ?= .venv
## the ovc route's environment, also where INT8 is quantized
OVC_VENV       ?= .venv-ovc
## where everything is built
BUILD_DIR      ?= build
## the upstream repository to clone
MLCOMMONS_URL  ?= https://github.com/mlcommons/inference
## its branch or tag
MLCOMMONS_REV  ?= r1.0
## an existing clone to use in place of cloning (r1.0 or today's layout)
MLCOMMONS_PATH ?=
## the checkpoint to download
WEIGHTS_URL    ?= https://zenodo.org/record/3662521/files/DistributedDataParallel_1576581068.9962234-epoch-100.pt
## a checkpoint already on disk, used in place of downloading
WEIGHTS        ?=
## the checkpoint's expected sha256 (none is published)
WEIGHTS_SHA256 ?=
## 1: load a checkpoint that holds more than tensors (runs pickled code: only for files you trust)
TRUST_CHECKPOINT ?= 0
## the ONNX opset of the export
OPSET          ?= 12
## encoder input frames of the IR, or dynamic
SEQ_LEN        ?= 157
## batch size of the IR; in make mlperf, utterances decoded together
BATCH          ?= 1
## weights of the IR: FP32, FP16, or INT8 (quantized with NNCF)
PRECISION      ?= FP32
## where the IR set goes (or an IR set of yours to read: verify, benchmark, transcribe, wer, mlperf)
IR_DIR         ?= $(call ir_dir,$(PRECISION))
## random inputs per network in make verify
VERIFY_SEEDS   ?= 3
## threads given to each runtime in make benchmark
BENCH_THREADS  ?= $(shell nproc)
## timed runs per figure in make benchmark, at most (each figure also stops after about a second)
BENCH_RUNS     ?= 20
## 1: a few runs only (a smoke test; figures not meaningful)
BENCH_QUICK    ?= 0
## 1: the long sweep (batched decoding up to 64 utterances, 5 s per figure)
BENCH_SWEEP    ?= 0
## make transcribe: 16 kHz mono WAV or FLAC files
AUDIO          ?=
## make wer: a LibriSpeech-layout folder; make mlperf: LibriSpeech FLAC instead of a manifest
DATASET        ?=
## OpenVINO's inference precision: f32, or default (the CPU's own choice, bf16 where it has it)
INFER_PRECISION ?= f32
## rounds of make recipe-timing
TIMING_ROUNDS  ?= 3
## make mlperf: Offline, Server or SingleStream
SCENARIO       ?= Offline
## make mlperf: performance or accuracy
MODE           ?= performance
## make mlperf: the dataset as upstream's harness takes it (dev-clean-wav.json)
MANIFEST       ?=
## make mlperf: the folder the manifest's fname entries are relative to (default: its own)
DATASET_DIR    ?=
## make mlperf: LoadGen's settings of this system
USER_CONF      ?= rnnt_ov/mlperf/user.conf
## make mlperf: utterances decoded together at most (default: BATCH if given, else Offline the fastest measured here, Server 16)
MLPERF_BATCH   ?= $(if $(filter command line environment,$(origin BATCH)),$(BATCH))
## make mlperf SCENARIO=Offline: recognizers side by side, each on one thread (default: one per core)
MLPERF_WORKERS ?=
## make mlperf SCENARIO=Server without a target_qps in USER_CONF: queries per trial of the search for its load
SERVER_TRIAL_QUERIES ?= 500
## PRECISION=INT8: the folder holding LibriSpeech train-clean-100
CALIBRATION_DIR  ?=
## PRECISION=INT8: a calibration list (default: MLPerf's, from the clone), or a folder of audio
CALIBRATION_LIST ?=
## PRECISION=INT8: the networks to quantize
INT8_NETWORKS  ?= encoder
## PRECISION=INT8: a dataset for accuracy control (with MAX_WER_DROP)
VALIDATION     ?=
## PRECISION=INT8: word error rate points that quantization may cost on VALIDATION
MAX_WER_DROP   ?=
## make mlperf-compare: the environment of upstream's reference SUT
REFERENCE_VENV ?= .venv-reference
## make mlperf-compare: samples issued per Offline run of this harness
COMPARE_SAMPLES ?= 1024
## make mlperf-compare: samples issued to the reference SUT, and utterances it decodes for accuracy
REFERENCE_SAMPLES ?= 64
## make mlperf-compare: alternating Offline rounds
COMPARE_ROUNDS ?= 3
## make loadset: utterances of the load set (make mlperf-compare's data when no MANIFEST is given)
LOADSET_SIZE   ?= 256
VARIABLES := $(shell sed -n 's/^\([A-Z_0-9]*\) *?=.*/\1/p' $(THIS_MAKEFILE))

# ---- Goals ---------------------------------------------------------------------------------------
# What the command line asks for; goals that build nothing need no checks of the build settings.
GOALS        := $(or $(MAKECMDGOALS),all)
MLPERF_GOALS := mlperf mlperf-manifest mlperf-compare
QUIET_GOALS  := help test check test-fast clean distclean
BUILD_GOALS  := $(filter-out $(QUIET_GOALS) demo,$(GOALS))
asked        = $(filter $(1),$(GOALS))

# ---- Derived paths -------------------------------------------------------------------------------
# $(call ir_dir,PRECISION): the folder of an IR set of this configuration.
ir_dir = $(BUILD_DIR)/ir/seq$(SEQ_LEN)-batch$(BATCH)-$(1)$(if $(filter ovc,$(CONVERTER)),-ovc)
# Two environments, one per converter: openvino-dev 2024.6 (mo) pins numpy<2 and stops at Python
# 3.12; today's openvino (ovc) needs neither. Both hold the same torch and onnx (requirements-common.txt),
# which export byte-identical ONNX, so the steps before conversion run in whichever is in use and
# switching converter reuses the ONNX.
MO_STAMP    := $(VENV)/.rnnt-requirements
OVC_STAMP   := $(OVC_VENV)/.rnnt-requirements
ENV         := $(if $(filter ovc,$(CONVERTER)),$(OVC_VENV),$(VENV))
PY          := $(ENV)/bin/python
ENV_STAMP   := $(ENV)/.rnnt-requirements
# mo's converter module itself: the `mo` launcher runs it in a child process after checking the
# environment in three more Python processes (1.2 s a network, which make_venv.py checked once).
CONVERT     := $(if $(filter mo,$(CONVERTER)),$(PY) -m openvino.tools.mo.main,$(ENV)/bin/$(CONVERTER))
CONFIG_DIR  := $(BUILD_DIR)/config
WEIGHTS_DIR := $(BUILD_DIR)/weights
ONNX_DIR    := $(BUILD_DIR)/onnx
NETWORKS    := encoder prediction joint
START_STEP  := rnnt_prediction_start.npz
ONNX_FILES  := $(NETWORKS:%=$(ONNX_DIR)/rnnt_%.onnx) $(ONNX_DIR)/$(START_STEP)
IR_FILES    := $(foreach n,$(NETWORKS),$(IR_DIR)/rnnt_$(n).xml $(IR_DIR)/rnnt_$(n).bin) $(IR_DIR)/$(START_STEP)
MIGRATED    := $(WEIGHTS_DIR)/rnnt_state_dict.pt
FEATURIZER  := $(WEIGHTS_DIR)/featurizer.npz
# Everything that uses the IR: one Python package, each command run as python -m $(PKG).<module>.
PKG         := rnnt_ov

# Where the model code lives in a checkout: r1.0 .. v4.0, then today's master.
LAYOUTS := speech_recognition/rnnt/pytorch retired_benchmarks/speech_recognition/rnnt/pytorch
ifneq ($(MLCOMMONS_PATH),)
  SRC_DIR   := $(MLCOMMONS_PATH)
  MODEL_DIR := $(patsubst %/,%,$(dir $(firstword $(wildcard $(LAYOUTS:%=$(SRC_DIR)/%/model_separable_rnnt.py)))))
  ifeq ($(MODEL_DIR),)
    MODEL_DIR := $(SRC_DIR)/$(firstword $(LAYOUTS))
    MODEL_MISSING := 1
  endif
else
  SRC_DIR   := $(BUILD_DIR)/mlcommons
  MODEL_DIR := $(SRC_DIR)/$(firstword $(LAYOUTS))
endif
MODEL_PY    := $(MODEL_DIR)/model_separable_rnnt.py
MODEL_FILES := $(MODEL_PY) $(MODEL_DIR)/rnn.py $(MODEL_DIR)/configs/rnnt.toml
RNNT_TOML   := $(MODEL_DIR)/configs/rnnt.toml
# The MLPerf rules and the calibration list of the clone: at the top at r1.0, mlperf.conf under
# loadgen/ on today's master.
MLPERF_CONFS := mlperf.conf loadgen/mlperf.conf
MLPERF_CONF  := $(or $(firstword $(wildcard $(MLPERF_CONFS:%=$(SRC_DIR)/%))),$(SRC_DIR)/mlperf.conf)
UPSTREAM_CALIBRATION := $(SRC_DIR)/calibration/LibriSpeech/calibration_files.txt
CHECKOUT_PATHS := speech_recognition/rnnt mlperf.conf calibration/LibriSpeech

WEIGHTS_FILE := $(or $(WEIGHTS),$(BUILD_DIR)/download/$(notdir $(WEIGHTS_URL)))
COMPRESS     := $(if $(filter FP16,$(PRECISION)),True,False)
# PRECISION=INT8 quantizes the FP32 set of the same configuration (CONV_DIR), which the converter
# makes as for PRECISION=FP32; every other precision is converted straight into IR_DIR.
CONV_DIR := $(if $(filter INT8,$(PRECISION)),$(call ir_dir,FP32),$(IR_DIR))
# The documented encoder command freezes the lengths input to SEQ_LEN, one value per batch row.
# SEQ_LEN=dynamic leaves the time axis open ("?") and keeps the lengths as an input.
ifeq ($(SEQ_LEN),dynamic)
  TIME    := ?
  LENGTHS :=
else
  TIME    := $(SEQ_LEN)
  LENGTHS := $(strip $(foreach _,$(shell seq 1 $(BATCH) 2>/dev/null),$(SEQ_LEN)))
endif

# ---- Checks before any work ----------------------------------------------------------------------
# $(call positive_int,VAR,EXAMPLE) and $(call one_of,VAR,ALLOWED,WHAT TO USE): one line and no work
# when a setting is wrong.
positive_int = $(if $(shell [[ '$(subst ',,$($(1)))' =~ ^[1-9][0-9]*$$ ]] && echo ok),,\
  $(error $(1)=$($(1)) is not a positive integer: use e.g. $(1)=$(2)))
one_of = $(if $(filter $(2),$($(1))),,$(error $(1)=$($(1)) is not supported: use $(3)))
# $(call needs_folder,VAR,HINT) and $(call needs_file,VAR,HINT): a path that must exist.
needs_folder = $(if $(wildcard $($(1))/.),,$(error $(1)=$($(1)) is not a folder: $(2)))
needs_file   = $(if $(wildcard $($(1))),,$(error $(1)=$($(1)) does not exist: $(2)))

ifneq ($(SEQ_LEN),dynamic)
  $(call positive_int,SEQ_LEN,157 or SEQ_LEN=dynamic)
endif
$(call positive_int,BATCH,1)
$(call positive_int,OPSET,12)
$(call positive_int,VERIFY_SEEDS,3)
$(call positive_int,BENCH_THREADS,2)
$(call positive_int,BENCH_RUNS,20)
$(call positive_int,TIMING_ROUNDS,3)
$(if $(MLPERF_BATCH),$(call positive_int,MLPERF_BATCH,16))
$(if $(MLPERF_WORKERS),$(call positive_int,MLPERF_WORKERS,2))
$(call positive_int,SERVER_TRIAL_QUERIES,500)
$(call positive_int,LOADSET_SIZE,256)
$(call one_of,CONVERTER,mo ovc,CONVERTER=mo (openvino-dev 2024.6, Python 3.11-3.12) or CONVERTER=ovc (openvino 2026.4, Python 3.11-3.14))
$(call one_of,PRECISION,FP32 FP16 INT8,PRECISION=FP32$(comma) FP16 or INT8)
$(call one_of,INFER_PRECISION,f32 default,f32$(comma) or default for the CPU's own choice)
ifeq ($(abspath $(VENV)),$(abspath $(OVC_VENV)))
  $(error VENV and OVC_VENV are both $(VENV): the two converters need separate environments (their numpy pins conflict))
endif
ifneq ($(call asked,transcribe),)
  ifeq ($(AUDIO),)
    $(error no AUDIO given: make transcribe AUDIO=speech.flac (16 kHz mono WAV or FLAC))
  endif
  ifneq ($(words $(AUDIO)),$(words $(wildcard $(AUDIO))))
    $(error AUDIO: no such file: $(filter-out $(wildcard $(AUDIO)),$(AUDIO)))
  endif
endif
ifneq ($(call asked,wer),)
  $(call needs_folder,DATASET,make wer DATASET=/path/to/LibriSpeech/dev-clean)
endif
# make mlperf: the dataset as upstream's harness takes it (a manifest, and the folder its fname
# entries are relative to, by default the manifest's own), or LibriSpeech as distributed
# (DATASET=, FLAC and *.trans.txt), for which a manifest is written.
# make mlperf-compare without either measures on the load set (make loadset).
ifneq ($(call asked,$(MLPERF_GOALS)),)
  $(call one_of,SCENARIO,Offline Server SingleStream,SCENARIO=Offline$(comma) Server or SingleStream)
  $(call one_of,MODE,performance accuracy,MODE=performance or MODE=accuracy)
  ifeq ($(MANIFEST)$(DATASET)$(filter-out mlperf-compare,$(call asked,$(MLPERF_GOALS))),)
    COMPARE_ON_LOADSET := 1
  else ifeq ($(MANIFEST)$(DATASET),)
    $(error no MANIFEST given: make mlperf MANIFEST=/data/dev-clean-wav.json DATASET_DIR=/data (upstream's format), or DATASET=/data/LibriSpeech/dev-clean (FLAC and *.trans.txt))
  else ifneq ($(MANIFEST),)
    $(call needs_file,MANIFEST,give the JSON manifest of the dataset$(comma) or DATASET= for a LibriSpeech folder)
  else
    $(call needs_folder,DATASET,make mlperf DATASET=/path/to/LibriSpeech/dev-clean)
    MANIFEST    := $(BUILD_DIR)/mlperf/manifests/$(notdir $(abspath $(DATASET))).json
    DATASET_DIR := $(or $(DATASET_DIR),$(patsubst %/,%,$(dir $(abspath $(DATASET)))))
  endif
  ifneq ($(COMPARE_ON_LOADSET),1)
    DATASET_DIR := $(or $(DATASET_DIR),$(patsubst %/,%,$(dir $(MANIFEST))))
  endif
  $(call needs_file,USER_CONF,give a LoadGen user.conf$(comma) or leave USER_CONF unset for the project's own)
endif

# PRECISION=INT8: calibration audio is required (never random data), checked before any work.
CALIBRATION_HINT := PRECISION=INT8 calibrates on real audio: give CALIBRATION_DIR= the folder holding LibriSpeech \
  train-clean-100 (upstream's WAV conversion or the original FLAC), or CALIBRATION_LIST= a folder of audio files
ifeq ($(PRECISION),INT8)
  ifneq ($(BUILD_GOALS),)
    ifneq ($(CALIBRATION_DIR),)
      $(call needs_folder,CALIBRATION_DIR,give the folder holding LibriSpeech train-clean-100)
    endif
    ifneq ($(CALIBRATION_LIST),)
      $(call needs_file,CALIBRATION_LIST,give a list like MLPerf's calibration_files.txt$(comma) or a folder of audio files)
    endif
    ifeq ($(CALIBRATION_DIR)$(CALIBRATION_LIST)$(wildcard $(IR_DIR)/.calibration),)
      $(error $(CALIBRATION_HINT))
    endif
    ifneq ($(if $(VALIDATION),1)$(if $(MAX_WER_DROP),1),$(if $(VALIDATION),11))
      $(error VALIDATION= and MAX_WER_DROP= go together: e.g. VALIDATION=/data/LibriSpeech/dev-clean MAX_WER_DROP=0.5 (word error rate points))
    endif
  endif
endif

ifneq ($(words $(BUILD_DIR) $(VENV) $(OVC_VENV) $(IR_DIR) $(SRC_DIR) $(WEIGHTS_FILE)),6)
  $(error a path contains spaces, which make cannot handle: move BUILD_DIR, VENV, OVC_VENV, IR_DIR, MLCOMMONS_PATH and WEIGHTS to paths without spaces)
endif

# $(call remember,FILE,VAR): keep the value of VAR in FILE, rewriting FILE only when the value
# changed, so that targets depending on FILE rebuild exactly when the setting changed. make -n and
# make -q only look: there a changed setting is not written (a later make with the old settings
# would rebuild for it), its file is taken as out of date instead.
# make writes its one-letter options (n for -n, q for -q) without a dash as MAKEFLAGS' first word.
SHORT_FLAGS := $(filter-out -%,$(firstword $(MAKEFLAGS)))
LOOK_ONLY := $(findstring n,$(SHORT_FLAGS))$(findstring q,$(SHORT_FLAGS))
define remember
ifneq ($$(file <$(1)),$$($(2)))
  ifeq ($(LOOK_ONLY),)
    $$(shell mkdir -p $(dir $(1)))
    $$(file >$(1),$$($(2)))
  else
    $(1): FORCE ; @echo '== setting changed: $(1) would hold "$$($(2))"'
  endif
endif
endef
SOURCE_SETTING  := $(if $(MLCOMMONS_PATH),$(abspath $(MODEL_DIR)),$(MLCOMMONS_URL) $(MLCOMMONS_REV) $(CHECKOUT_PATHS))
WEIGHTS_SETTING := $(abspath $(WEIGHTS_FILE)) sha256=$(WEIGHTS_SHA256) trust=$(TRUST_CHECKPOINT)
IR_SETTING      := seq=$(SEQ_LEN) batch=$(BATCH) precision=$(PRECISION) converter=$(CONVERTER)
CONV_SETTING    := seq=$(SEQ_LEN) batch=$(BATCH) precision=$(subst INT8,FP32,$(PRECISION)) converter=$(CONVERTER)
# The calibration of an INT8 set is remembered when given (another folder, list, set of networks or
# accuracy bound quantizes again), and reused when not.
CALIBRATION_SETTING = dir=$(abspath $(CALIBRATION_DIR)) list=$(abspath $(or $(CALIBRATION_LIST),$(UPSTREAM_CALIBRATION))) \
  networks=$(subst $() ,+,$(strip $(INT8_NETWORKS))) validation=$(abspath $(VALIDATION)) drop=$(MAX_WER_DROP)

# An IR_DIR that this recipe did not make (it holds files but no .settings: IR converted by hand
# with the documented guide, say) is only read: verify, benchmark, transcribe and wer take it as
# it is, and nothing is ever written into it or removed from it.
FOREIGN_IR := $(if $(wildcard $(IR_DIR)/.settings),,$(if $(wildcard $(IR_DIR)/*),1))
ifeq ($(FOREIGN_IR),1)
  IR_READY :=
  ifneq ($(call asked,all ir),)
    $(error IR_DIR=$(IR_DIR) holds files that this recipe did not write (no .settings): it is only read, never built into; give make ir an IR_DIR of its own)
  endif
else
  IR_READY := $(IR_DIR)/rnnt_ir.txt
endif

ifneq ($(BUILD_GOALS),)
  $(eval $(call remember,$(CONFIG_DIR)/source,SOURCE_SETTING))
  $(eval $(call remember,$(CONFIG_DIR)/weights,WEIGHTS_SETTING))
  $(eval $(call remember,$(CONFIG_DIR)/opset,OPSET))
  ifneq ($(FOREIGN_IR),1)
    $(eval $(call remember,$(IR_DIR)/.settings,IR_SETTING))
    ifeq ($(PRECISION),INT8)
      $(eval $(call remember,$(CONV_DIR)/.settings,CONV_SETTING))
      ifneq ($(CALIBRATION_DIR)$(CALIBRATION_LIST),)
        $(eval $(call remember,$(IR_DIR)/.calibration,CALIBRATION_SETTING))
      endif
    endif
  endif
endif

# ---- Targets -------------------------------------------------------------------------------------
.PHONY: all ir onnx weights source venv verify benchmark recipe-timing mlperf mlperf-manifest mlperf-compare loadset \
  loadset-ir stages roofline demo \
  transcribe wer test check test-fast clean distclean help FORCE
all: ir
FORCE:

ir: $(IR_DIR)/rnnt_ir.txt  ## three OpenVINO IR in IR_DIR: rnnt_encoder, rnnt_prediction, rnnt_joint (.xml/.bin)
onnx: $(ONNX_FILES)  ## the three ONNX files (and the migrated weights: one step makes both)
weights: $(MIGRATED) $(FEATURIZER)  ## the migrated state dict and featurizer tensors (the same step exports the ONNX)
source: $(MODEL_FILES)  ## the upstream model code (shallow clone, or MLCOMMONS_PATH)
venv: $(ENV_STAMP)  ## the Python environment of CONVERTER: VENV (mo) or OVC_VENV (ovc)

# Step 0: the environment of the converter in use, rebuilt when its requirements change, made by
# make_venv.py (its docstring says how). VENV and OVC_VENV may name existing environments: the
# requirements are installed into them.
# $(call venv_rule,DIR,REQUIREMENTS,PYTHON RANGE,ROUTE,HINT,PACKAGES TO COMPILE)
define venv_rule
$(1)/.rnnt-requirements: $(2) requirements-common.txt make_venv.py
	@$$(PYTHON) make_venv.py $(1) $(2) --python-range $(3) --route "$(4)" --hint "$(strip $(5))" \
	  --torch-index "$$(TORCH_INDEX)" --compile $(6) --check "torch, torch.onnx, onnx, toml"
endef
$(eval $(call venv_rule,$(VENV),requirements.txt,3.11-3.12,the mo route (openvino-dev 2024.6),\
  run make PYTHON=python3.12 (or 3.11) or use make CONVERTER=ovc,openvino onnx networkx))
$(eval $(call venv_rule,$(OVC_VENV),requirements-ovc.txt,3.11-3.14,the ovc route (openvino 2026.4),\
  run make PYTHON=python3.13 (or 3.11 to 3.14),openvino onnx))

# Steps 1-2: the upstream source. A shallow clone of only speech_recognition/rnnt, as documented,
# and the MLPerf rules and calibration list (CHECKOUT_PATHS).
# Commands are echoed without their error handling, which prints one line of its own.
CLONE    = git clone -q -b $(MLCOMMONS_REV) -n --depth 1 $(MLCOMMONS_URL) $(SRC_DIR).tmp
CHECKOUT = git -C $(SRC_DIR).tmp checkout -q HEAD -- $(CHECKOUT_PATHS)
ifeq ($(MLCOMMONS_PATH),)
$(MODEL_FILES) $(MLPERF_CONF) $(UPSTREAM_CALIBRATION) &: $(CONFIG_DIR)/source
	@echo "== source: $(MLCOMMONS_URL) at $(MLCOMMONS_REV)"
	@rm -rf $(SRC_DIR).tmp
	@echo '$(CLONE)'
	@$(CLONE) || { rm -rf $(SRC_DIR).tmp; \
	  echo "error: cannot clone $(MLCOMMONS_URL) (branch $(MLCOMMONS_REV)): no network or no such branch? Offline, use MLCOMMONS_PATH=/path/to/inference-clone" >&2; exit 1; }
	@echo '$(CHECKOUT)'
	@$(CHECKOUT) 2>/dev/null || { rm -rf $(SRC_DIR).tmp; \
	  echo "error: $(MLCOMMONS_URL) at $(MLCOMMONS_REV) lacks some of $(CHECKOUT_PATHS): use MLCOMMONS_REV=r1.0, or MLCOMMONS_PATH= for a clone of today's master" >&2; exit 1; }
	@echo "source: commit $$(git -C $(SRC_DIR).tmp rev-parse HEAD)"
	@rm -rf $(SRC_DIR)
	@mv $(SRC_DIR).tmp $(SRC_DIR)
	@touch $(MODEL_FILES) $(MLPERF_CONF) $(UPSTREAM_CALIBRATION)
else
# An existing clone is only read: a missing file gets one line.
$(MODEL_FILES):
ifeq ($(MODEL_MISSING),1)
	@echo "error: MLCOMMONS_PATH=$(MLCOMMONS_PATH) holds no RNN-T model: looked for $(LAYOUTS:%=%/model_separable_rnnt.py); point it at a clone of github.com/mlcommons/inference" >&2
else
	@echo "error: $@ is missing from MLCOMMONS_PATH=$(MLCOMMONS_PATH): the clone is incomplete" >&2
endif
	@exit 1
$(MLPERF_CONF):
	@echo "error: MLCOMMONS_PATH=$(MLCOMMONS_PATH) has no mlperf.conf (looked for $(MLPERF_CONFS)): make mlperf reads LoadGen's rules from the clone" >&2
	@exit 1
$(UPSTREAM_CALIBRATION):
	@echo "error: MLCOMMONS_PATH=$(MLCOMMONS_PATH) has no calibration/LibriSpeech/calibration_files.txt: give CALIBRATION_LIST=" >&2
	@exit 1
endif

# Step 3: the pretrained weights, downloaded with retries to a temporary name.
DOWNLOAD = curl -fL --retry 3 --retry-delay 2 --connect-timeout 15 --progress-bar -o $(WEIGHTS_FILE).part "$(WEIGHTS_URL)"
ifeq ($(WEIGHTS),)
$(WEIGHTS_FILE): | $(BUILD_DIR)/download
	@echo "== weights: $(WEIGHTS_URL)"
	@echo '$(DOWNLOAD)'
	@$(DOWNLOAD) || { rm -f $@.part; \
	  echo "error: cannot download WEIGHTS_URL=$(WEIGHTS_URL): no network? Offline, use WEIGHTS=/path/to/checkpoint.pt" >&2; exit 1; }
	@echo "sha256 $$(sha256sum $@.part | cut -d' ' -f1)  (pin it with WEIGHTS_SHA256=)"
	@mv $@.part $@
else
$(WEIGHTS_FILE):
	@echo "error: WEIGHTS=$(WEIGHTS) does not exist: give the path of the downloaded checkpoint" >&2
	@exit 1
endif

# Steps 4-5, one process as the guide's step-5 script is: load the checkpoint, migrate it (joint_net
# -> joint.net; the migrated state dict and the featurizer tensors are kept), export three ONNX
# files and the outputs of the start-of-sequence step. They depend on the pins they use (torch,
# onnx), not on which environment ran them.
$(MIGRATED) $(FEATURIZER) $(ONNX_FILES) &: $(WEIGHTS_FILE) $(MODEL_FILES) migrate.py export_rnnt_to_onnx.py \
    $(PKG)/interface.py $(PKG)/upstream.py $(CONFIG_DIR)/weights $(CONFIG_DIR)/opset $(CONFIG_DIR)/source \
    requirements-common.txt | $(ENV_STAMP) $(WEIGHTS_DIR) $(ONNX_DIR)
	@echo "== migrate: $(WEIGHTS_FILE)"
	@echo "== export: ONNX opset $(OPSET) from $(MODEL_DIR)"
ifneq ($(WEIGHTS_SHA256),)
	@actual=$$(sha256sum $(WEIGHTS_FILE) | cut -d' ' -f1); [[ "$$actual" == "$(WEIGHTS_SHA256)" ]] || { \
	  echo "error: $(WEIGHTS_FILE) has sha256 $$actual, not WEIGHTS_SHA256=$(WEIGHTS_SHA256): delete the file to download it again, or fix WEIGHTS_SHA256" >&2; exit 1; }
endif
	$(PY) export_rnnt_to_onnx.py --checkpoint $(WEIGHTS_FILE)$(if $(filter 1,$(TRUST_CHECKPOINT)), --trust-checkpoint) \
	  --migrated-out $(MIGRATED) --featurizer-out $(FEATURIZER) --model-dir $(MODEL_DIR) --output-dir $(ONNX_DIR) --opset $(OPSET)

# Step 6: the documented input shapes, as mo's --input strings; ovc spells them with commas.
INPUT_encoder    := input.1[$(TIME) $(BATCH) 240],1[$(BATCH)]
INPUT_prediction := input.1[$(BATCH) 1],1[2 $(BATCH) 320],2[2 $(BATCH) 320]
INPUT_joint      := 0[$(BATCH) 1 1024],1[$(BATCH) 1 320]
commas = $(subst $() ,$(comma),$(1))
IR_NETWORK_FILES := $(filter-out %.npz,$(IR_FILES))
CONV_NETWORK_FILES := $(IR_NETWORK_FILES:$(IR_DIR)/%=$(CONV_DIR)/%)
TMP = $(CONV_DIR)/.tmp-$(1)
# $(call logged,COMMAND,TMP[,ERROR]): COMMAND with its output in TMP.log; if it fails, the log is
# shown, TMP and the log removed (nothing half-done stays), and ERROR said.
logged = $(1) > $(2).log 2>&1 || { cat $(2).log >&2; rm -rf $(2) $(2).log;$(if $(3), echo "error: $(3)" >&2;) exit 1; }

ifeq ($(CONVERTER),mo)
# One plain mo call per network, as documented; mo freezes the lengths itself: "1[B]->[SEQ_LEN ...]".
# Each writes into a temporary folder; the .bin is moved before the .xml, which make takes as the
# sign of done.
convert_command = $(CONVERT) --input_model $(ONNX_DIR)/rnnt_$(1).onnx \
  --input "$(INPUT_$(1))$(if $(and $(filter encoder,$(1)),$(LENGTHS)),->[$(LENGTHS)])" \
  --model_name rnnt_$(1) --compress_to_fp16=$(COMPRESS) --output_dir $(TMP)

define ir_rule
$(CONV_DIR)/rnnt_$(1).xml $(CONV_DIR)/rnnt_$(1).bin &: $(ONNX_DIR)/rnnt_$(1).onnx $(CONV_DIR)/.settings $(ENV_STAMP)
	@echo '== mo: $(1) -> $(CONV_DIR) ($(subst INT8,FP32,$(PRECISION)))'
	@echo '$(call convert_command,$(1))'
	@rm -rf $(TMP)
	@$(call logged,$(call convert_command,$(1)),$(TMP),mo failed on $(ONNX_DIR)/rnnt_$(1).onnx (its log is above))
	@mv $(TMP)/rnnt_$(1).bin $(CONV_DIR)/rnnt_$(1).bin
	@mv $(TMP)/rnnt_$(1).xml $(CONV_DIR)/rnnt_$(1).xml
	@rm -rf $(TMP) $(TMP).log
endef
$(foreach n,$(NETWORKS),$(eval $(call ir_rule,$(n))))
else
# ovc's own engine, openvino.convert_model, called in-process for the three networks: one start-up
# instead of three (on two cores, three converters side by side are slower than one after the
# other). It cannot freeze an input either, so ovc_convert.py replaces the encoder's lengths by a
# constant before saving, as mo does.
OVC_CALL := $(PY) ovc_convert.py $(foreach n,$(NETWORKS),$(ONNX_DIR)/rnnt_$(n).onnx "$(call commas,$(INPUT_$(n)))") \
  --compress_to_fp16=$(COMPRESS)$(if $(LENGTHS), --freeze rnnt_encoder:1=$(call commas,$(LENGTHS))) \
  --output_dir $(call TMP,ovc)
$(CONV_NETWORK_FILES) &: $(NETWORKS:%=$(ONNX_DIR)/rnnt_%.onnx) $(CONV_DIR)/.settings $(ENV_STAMP) ovc_convert.py freeze_input.py
	@echo '== ovc: encoder, prediction, joint -> $(CONV_DIR) ($(subst INT8,FP32,$(PRECISION)))'
	@echo '$(OVC_CALL)'
	@rm -rf $(call TMP,ovc)
	@$(call logged,$(OVC_CALL),$(call TMP,ovc))
	@for ext in bin xml; do for n in $(NETWORKS); do mv $(call TMP,ovc)/rnnt_$$n.$$ext $(CONV_DIR)/; done; done
	@rm -rf $(call TMP,ovc) $(call TMP,ovc).log
endif

ifeq ($(PRECISION),INT8)
# Step 7: the FP32 set quantized with NNCF, in the environment of today's openvino (whatever the
# converter), calibrated on real audio: MLPerf's calibration list from the clone by default.
OVC_PY := $(OVC_VENV)/bin/python
# One field of the calibration: the one given now, else the one remembered with the set.
CAL = $(patsubst $(1)=%,%,$(filter $(1)=%,$(if $(CALIBRATION_DIR)$(CALIBRATION_LIST),$(CALIBRATION_SETTING),$(file <$(IR_DIR)/.calibration))))
INT8_TMP := $(IR_DIR)/.tmp-int8
QUANTIZE = $(OVC_PY) -m $(PKG).quantize --fp32-ir-dir $(CONV_DIR) --output-dir $(INT8_TMP) --featurizer $(FEATURIZER) \
  $(if $(call CAL,dir),--calibration-dir $(call CAL,dir) )--calibration-list $(call CAL,list) --networks $(subst +, ,$(call CAL,networks)) \
  $(if $(call CAL,validation),--validation $(call CAL,validation) --max-wer-drop $(call CAL,drop) --config $(RNNT_TOML))
$(IR_NETWORK_FILES) &: $(IR_DIR)/.calibration $(CONV_NETWORK_FILES) $(CONV_DIR)/$(START_STEP) $(FEATURIZER) $(IR_DIR)/.settings $(OVC_STAMP) \
    $(PKG)/quantize.py $(if $(CALIBRATION_LIST),,$(UPSTREAM_CALIBRATION))
	@echo '== quantize: $(CONV_DIR) -> $(IR_DIR) (INT8, NNCF; $(subst +, ,$(call CAL,networks)))'
	@echo '$(QUANTIZE)'
	@rm -rf $(INT8_TMP)
	@$(QUANTIZE) || { rm -rf $(INT8_TMP); exit 1; }
	@for ext in bin xml; do for n in $(NETWORKS); do mv $(INT8_TMP)/rnnt_$$n.$$ext $(IR_DIR)/; done; done
	@rm -rf $(INT8_TMP)

ifeq ($(CALIBRATION_DIR)$(CALIBRATION_LIST),)
$(IR_DIR)/.calibration:
	@echo "error: $(CALIBRATION_HINT)" >&2
	@exit 1
endif
endif

# The start-of-sequence step goes with each IR set (an INT8 set's FP32 set too), so that the IR
# folder alone can decode.
%/$(START_STEP): $(ONNX_DIR)/$(START_STEP) %/.settings
	@cp $< $@.tmp
	@mv $@.tmp $@

# The summary of a finished IR set: what each input and output is, read back from the IR.
$(IR_DIR)/rnnt_ir.txt: $(IR_FILES) describe_ir.py $(PKG)/interface.py
	@$(PY) describe_ir.py $(IR_DIR) > $@.tmp
	@mv $@.tmp $@
	@cat $@

$(BUILD_DIR)/download $(WEIGHTS_DIR) $(ONNX_DIR):
	@mkdir -p $@

# Every target above is written under a temporary name and renamed when complete, so none is ever
# half-written. make 4.3's .DELETE_ON_ERROR would delete, when a grouped recipe fails, the members
# of the group that the recipe never touched (it only knows the time stamp of the one that
# triggered it): a failed conversion would destroy the earlier good IR. Precious targets are
# never deleted.
.PRECIOUS: $(MODEL_FILES) $(WEIGHTS_FILE) $(MIGRATED) $(FEATURIZER) $(ONNX_FILES) $(IR_FILES) $(IR_DIR)/rnnt_ir.txt \
  $(CONV_NETWORK_FILES) $(CONV_DIR)/$(START_STEP)

# ---- Using the IR --------------------------------------------------------------------------------
verify: $(IR_READY) $(ONNX_FILES) $(MODEL_FILES) $(MIGRATED)  ## the IR and ONNX against the PyTorch model: per network, and a greedy decode
	$(PY) -m $(PKG).verify --ir-dir $(IR_DIR) --onnx-dir $(ONNX_DIR) --model-dir $(MODEL_DIR) \
	  --weights $(MIGRATED) --seeds $(VERIFY_SEEDS)

# An INT8 set is timed beside its FP32 set (at f32 and at the CPU's default).
benchmark: $(IR_READY) $(ONNX_FILES) $(MODEL_FILES) $(MIGRATED) $(if $(filter INT8,$(PRECISION)),$(CONV_NETWORK_FILES) $(CONV_DIR)/$(START_STEP))  ## PyTorch, ONNX Runtime and the IR side by side; JSON and charts in build/benchmark/
	@mkdir -p $(BUILD_DIR)/benchmark
	$(PY) -m $(PKG).benchmark --ir-dir $(IR_DIR)$(if $(filter INT8,$(PRECISION)), --fp32-ir-dir $(CONV_DIR)) --onnx-dir $(ONNX_DIR) \
	  --model-dir $(MODEL_DIR) --weights $(MIGRATED) --threads $(BENCH_THREADS) --runs $(BENCH_RUNS)$(if $(filter 1,$(BENCH_QUICK)), --quick)$(if $(filter 1,$(BENCH_SWEEP)), --sweep) \
	  --json $(BUILD_DIR)/benchmark/$(notdir $(IR_DIR))-$$(date +%Y%m%d-%H%M%S).json

# Speech to text with the IR: upstream's featurizer in numpy, greedy decoding with the three IR.
ASR_ARGS = --ir-dir $(IR_DIR) --featurizer $(FEATURIZER) --config $(RNNT_TOML) --precision $(INFER_PRECISION)
transcribe: $(IR_READY) $(FEATURIZER) $(MODEL_FILES)  ## AUDIO=file.flac: print its transcript (16 kHz mono WAV or FLAC)
	@$(PY) -m $(PKG).transcribe $(ASR_ARGS) $(AUDIO)

wer: $(IR_READY) $(FEATURIZER) $(MODEL_FILES)  ## DATASET=LibriSpeech/dev-clean: word error rate over a LibriSpeech-layout folder
	@mkdir -p $(BUILD_DIR)/wer
	$(PY) -m $(PKG).wer $(ASR_ARGS) $(DATASET) \
	  --json $(BUILD_DIR)/wer/$(notdir $(abspath $(DATASET)))-$(notdir $(IR_DIR))-$(INFER_PRECISION).json

# ---- MLPerf --------------------------------------------------------------------------------------
# LoadGen runs the IR of this configuration (SCENARIO, MODE); the logs of each run go to a folder
# of their own, renamed from .tmp only when the run is complete.
MLPERF_RUN := $(BUILD_DIR)/mlperf/$(notdir $(IR_DIR))-$(INFER_PRECISION)/$(SCENARIO)-$(MODE)
# Offline without MLPERF_BATCH measures the fastest batch on this CPU once (rnnt_ov/mlperf/fastest.py),
# Server without a target_qps in USER_CONF the highest load within the bound (peak.py); both are
# remembered in build/mlperf/measured-here.json, per CPU, IR set, precision and code (and Offline run size).
MLPERF_BATCH_ARGS = $(if $(MLPERF_BATCH),--batch $(MLPERF_BATCH) )$(if $(MLPERF_WORKERS),--workers $(MLPERF_WORKERS) )--remember $(BUILD_DIR)/mlperf/measured-here.json
mlperf: $(IR_READY) $(FEATURIZER) $(MODEL_FILES) $(MLPERF_CONF) $(MANIFEST) $(USER_CONF)  ## MANIFEST=dev-clean-wav.json (or DATASET=LibriSpeech/dev-clean): MLPerf LoadGen, SCENARIO, MODE
	@mkdir -p $(dir $(MLPERF_RUN))
	$(PY) -m $(PKG).mlperf.run --scenario $(SCENARIO) --mode $(MODE) --manifest $(MANIFEST) \
	  --dataset-dir $(DATASET_DIR) --mlperf-conf $(MLPERF_CONF) --user-conf $(USER_CONF) $(ASR_ARGS) \
	  $(MLPERF_BATCH_ARGS) --server-trial-queries $(SERVER_TRIAL_QUERIES) --log-dir $(MLPERF_RUN)

# A manifest in upstream's format for LibriSpeech as distributed (FLAC beside *.trans.txt), made
# again when the folder's transcripts change or another folder of the same name is given. Only
# for the MLPerf targets: make wer reads DATASET itself, and need not list its transcripts.
ifneq ($(DATASET),)
ifneq ($(call asked,$(MLPERF_GOALS)),)
DATASET_SETTING := $(abspath $(DATASET))
$(eval $(call remember,$(CONFIG_DIR)/dataset-$(notdir $(abspath $(DATASET))),DATASET_SETTING))
$(BUILD_DIR)/mlperf/manifests/$(notdir $(abspath $(DATASET))).json: $(CONFIG_DIR)/dataset-$(notdir $(abspath $(DATASET))) \
    $(shell find $(DATASET) -name '*.trans.txt' 2>/dev/null) $(PKG)/dataset.py $(PKG)/text.py | $(ENV_STAMP)
	@mkdir -p $(@D)
	$(PY) -m $(PKG).mlperf.manifest $(DATASET) --relative-to $(DATASET_DIR) --out $@
endif
endif
mlperf-manifest: $(MANIFEST)  ## DATASET=LibriSpeech/dev-clean: a manifest in upstream's format for it

# ---- Measuring the project against others (measure/) -------------------------------------------
# Upstream's PyTorch reference SUT against this harness, Offline samples/s side by side. The
# reference runs from the clone, in an environment of its own.
$(REFERENCE_VENV)/.rnnt-requirements: requirements-reference.txt make_venv.py
	@$(PYTHON) make_venv.py $(REFERENCE_VENV) requirements-reference.txt --python-range 3.11-3.12 \
	  --route "upstream's reference SUT" --hint "run make PYTHON=python3.12 (or 3.11)" \
	  --torch-index "$(TORCH_INDEX)" --after "setuptools<70" --check "torch, librosa"

# Without MANIFEST: on the load set, whose FP32 and INT8 IR sets (ovc, dynamic time) are made by
# this recipe run again on the load set's checkpoint, in a build folder of the load set's own: as
# for the demo, a sub-make is the plain way to say "the same recipe, other inputs".
LOADSET := $(BUILD_DIR)/loadset
LOADSET_BUILD := $(LOADSET)/build
LOADSET_IR = $(LOADSET_BUILD)/ir/seqdynamic-batch1-$(1)-ovc
$(LOADSET)/loadset.json: measure/loadset.py tests/synthetic_checkpoint.py tests/synthetic_dataset.py | $(ENV_STAMP)
	$(PY) -m measure.loadset $(LOADSET) --count $(LOADSET_SIZE)
loadset: $(LOADSET)/loadset.json  ## a load-realistic set offline: dev-clean's lengths, a checkpoint decoding ~0.9 symbols a frame

COMPARE_ARGS = --reference-python $(REFERENCE_VENV)/bin/python --rnnt-dir $(MODEL_DIR)/.. --mlperf-conf $(MLPERF_CONF) \
  --config $(RNNT_TOML) --samples $(COMPARE_SAMPLES) --reference-samples $(REFERENCE_SAMPLES) --rounds $(COMPARE_ROUNDS) \
  $(MLPERF_BATCH_ARGS) \
  --json $(BUILD_DIR)/mlperf/compare/$$(date +%Y%m%d-%H%M%S).json
# The load set's FP32 and INT8 IR sets: the recipe run again on the load set's checkpoint.
loadset-ir: $(LOADSET)/loadset.json $(MODEL_FILES) $(OVC_STAMP)
	$(MAKE) --no-print-directory BUILD_DIR=$(LOADSET_BUILD) MLCOMMONS_PATH=$(abspath $(SRC_DIR)) \
	  WEIGHTS=$(abspath $(LOADSET)/checkpoint.pt) WEIGHTS_SHA256= CONVERTER=ovc SEQ_LEN=dynamic BATCH=1 PRECISION=INT8 \
	  CALIBRATION_LIST=$(abspath $(LOADSET)/calibration) CALIBRATION_DIR= VALIDATION= MAX_WER_DROP= IR_DIR=$(call LOADSET_IR,INT8) ir

# Where the time goes per utterance on the load set: features, encoder, decoding (measure/stages.py).
STAGES = $(OVC_VENV)/bin/python -m measure.stages --featurizer $(LOADSET_BUILD)/weights/featurizer.npz --config $(RNNT_TOML) \
  --manifest $(LOADSET)/upstream/dev-clean-like-wav.json --dataset-dir $(LOADSET)/upstream --precision default
stages: loadset-ir  ## where the time goes per utterance on the load set (FP32 and INT8 IR, the CPU's default precision)
	$(STAGES) --ir-dir $(call LOADSET_IR,FP32) --batch 16 --slots 16
	$(STAGES) --ir-dir $(call LOADSET_IR,INT8) --batch 32 --slots 16

roofline: $(OVC_STAMP)  ## OpenVINO's MatMul rate on this CPU at f32, bf16 and int8: the ceiling of the encoder's LSTMs
	$(OVC_VENV)/bin/python -m measure.roofline

ifeq ($(COMPARE_ON_LOADSET),1)
mlperf-compare: loadset-ir $(MLPERF_CONF) $(REFERENCE_VENV)/.rnnt-requirements  ## upstream's reference SUT against this harness: Offline, Server, SingleStream; JSON and PNG
	@mkdir -p $(BUILD_DIR)/mlperf/compare
	$(OVC_VENV)/bin/python -m measure.mlperf_compare $(COMPARE_ARGS) --checkpoint $(LOADSET)/checkpoint.pt \
	  --manifest $(LOADSET)/upstream/dev-clean-like-wav.json --dataset-dir $(LOADSET)/upstream \
	  --ir-dir $(call LOADSET_IR,FP32) --int8-ir-dir $(call LOADSET_IR,INT8) --featurizer $(LOADSET_BUILD)/weights/featurizer.npz \
	  --sample-count $(LOADSET_SIZE) --describe "the load set ($(LOADSET_SIZE) utterances with dev-clean's lengths, synthetic weights)"
else
mlperf-compare: $(IR_READY) $(FEATURIZER) $(MODEL_FILES) $(MLPERF_CONF) $(MANIFEST) $(WEIGHTS_FILE) $(REFERENCE_VENV)/.rnnt-requirements
	@mkdir -p $(BUILD_DIR)/mlperf/compare
	$(PY) -m measure.mlperf_compare $(COMPARE_ARGS) --checkpoint $(WEIGHTS_FILE) --manifest $(MANIFEST) \
	  --dataset-dir $(DATASET_DIR) --ir-dir $(IR_DIR) --featurizer $(FEATURIZER)
endif

# The recipe against the documented guide's steps 5-6 by hand, side by side, from this build's clone
# and checkpoint (needs both environments); figures in JSON and PNG.
recipe-timing: $(MO_STAMP) $(OVC_STAMP) $(MODEL_FILES) $(WEIGHTS_FILE)  ## time make ir (both routes) against the guide's steps 5-6 by hand; JSON and PNG
	@mkdir -p $(BUILD_DIR)/recipe-timing
	$(VENV)/bin/python -m measure.recipe_timing --mlcommons-path $(SRC_DIR) --model-dir $(MODEL_DIR) \
	  --weights $(WEIGHTS_FILE) --venv $(VENV) --ovc-venv $(OVC_VENV) --rounds $(TIMING_ROUNDS) \
	  --json $(BUILD_DIR)/recipe-timing/$$(date +%Y%m%d-%H%M%S).json

# The whole recipe offline, on the test suite's stand-in upstream and a synthetic checkpoint,
# in a build folder of its own. It runs this Makefile again with the demo's sources (as for the
# load set, a sub-make is the plain way to say "the same recipe, other inputs"): the IR with the
# steps side by side, then verify and benchmark one after the other.
DEMO_DIR := $(BUILD_DIR)/demo
DEMO_SETTINGS = BUILD_DIR=$(DEMO_DIR) IR_DIR=$(DEMO_DIR)/ir/$(notdir $(IR_DIR)) \
  MLCOMMONS_URL=file://$(abspath $(DEMO_DIR)/fixtures/inference) MLCOMMONS_PATH= \
  WEIGHTS_URL=file://$(abspath $(DEMO_DIR)/fixtures/checkpoint.pt) WEIGHTS= WEIGHTS_SHA256=
$(DEMO_DIR)/fixtures/checkpoint.pt: tests/build_fixtures.py tests/standin_upstream.py tests/synthetic_checkpoint.py $(ENV_STAMP)
	$(PY) tests/build_fixtures.py $(DEMO_DIR)/fixtures

demo: $(DEMO_DIR)/fixtures/checkpoint.pt  ## the whole recipe offline on synthetic weights, then verify and a quick benchmark
	@echo "== demo: the recipe on a stand-in upstream and SYNTHETIC weights: decoded tokens mean nothing"
	$(MAKE) --no-print-directory -j3 $(DEMO_SETTINGS) ir
	$(MAKE) --no-print-directory -j1 $(DEMO_SETTINGS) VERIFY_SEEDS=1 BENCH_QUICK=1 verify benchmark
	@echo "== demo done: the weights were synthetic; run 'make ir' for the real model"

# ---- Housekeeping --------------------------------------------------------------------------------
# The tests build IR with both converters, so they need both environments; pytest runs in VENV.
# A run writes ~8 GB of builds under pytest's temporary folder: kept only when a test failed, and
# only the last run's (pytest keeps the last three runs' whole by default: 23 GB filled a disk).
PYTEST = RNNT_OVC_VENV=$(abspath $(OVC_VENV)) $(VENV)/bin/python -m pytest -q -p no:cacheprovider \
  -o tmp_path_retention_policy=failed -o tmp_path_retention_count=1
# Their two environments are built side by side (a fresh clone's: 31 s instead of 51 one after
# the other); a -j given on the command line wins. The tests run make without these flags.
ifneq ($(filter test check test-fast,$(MAKECMDGOALS)),)
MAKEFLAGS += -j2
endif
test check: $(MO_STAMP) $(OVC_STAMP)  ## the offline test suite (builds both environments, side by side)
	$(PYTEST) tests

test-fast: $(MO_STAMP) $(OVC_STAMP)  ## the tests that run no build, under a minute: the inner loop
	$(PYTEST) -m "not slow" tests

clean:  ## remove migrated weights, ONNX and IR (keeps clone, download, venvs)
	rm -rf $(WEIGHTS_DIR) $(ONNX_DIR) $(BUILD_DIR)/ir $(CONFIG_DIR)$(if $(FOREIGN_IR),, $(IR_DIR))

# The venv goes only if this Makefile created it, never an environment the user pointed VENV at.
distclean: clean  ## also remove the clone, the download and the venvs this Makefile made
	rm -rf $(BUILD_DIR)
	for env in $(VENV) $(OVC_VENV) $(REFERENCE_VENV); do if [[ -e $$env/.created-by-rnnt-ir ]]; then rm -rf $$env; fi; done

# Targets and variables, from the "## " comments of this file; each variable with its current value.
help:  ## this list
	@echo 'Targets:'
	@sed -n 's/^\([a-z][a-z -]*\):.*  ## \(.*\)/\1\t\2/p' $(THIS_MAKEFILE) | while IFS=$$'\t' read -r name text; do \
	  printf '  %-16s %s\n' "$$name" "$$text"; done
	@echo 'Variables (make VAR=value ...; now):'
	@{ $(foreach v,$(VARIABLES),printf '%s\t%s\n' '$(v)' '$(subst ','"'"',$($(v)))';) } \
	  | awk -F '\t' 'NR == FNR { now[$$1] = $$2; next } /^## / { doc = substr($$0, 4); next } \
	    /^[A-Z_0-9]+ *\?=/ { printf "  %-17s %s [%s]\n", $$1, doc, now[$$1] }' FS='\t' - FS=' ' $(THIS_MAKEFILE)
