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

# ---- Variables a user may set ------------------------------------------------------------------
PYTHON         ?= python3
CONVERTER      ?= mo
VENV           ?= .venv
OVC_VENV       ?= .venv-ovc
BUILD_DIR      ?= build
MLCOMMONS_URL  ?= https://github.com/mlcommons/inference
MLCOMMONS_REV  ?= r1.0
MLCOMMONS_PATH ?=
WEIGHTS_URL    ?= https://zenodo.org/record/3662521/files/DistributedDataParallel_1576581068.9962234-epoch-100.pt
WEIGHTS        ?=
WEIGHTS_SHA256 ?=
TRUST_CHECKPOINT ?= 0
OPSET          ?= 12
SEQ_LEN        ?= 157
BATCH          ?= 1
PRECISION      ?= FP32
IR_DIR         ?= $(BUILD_DIR)/ir/seq$(SEQ_LEN)-batch$(BATCH)-$(PRECISION)$(if $(filter ovc,$(CONVERTER)),-ovc)
VERIFY_SEEDS   ?= 3
BENCH_THREADS  ?= $(shell nproc)
BENCH_RUNS     ?= 50
BENCH_QUICK    ?= 0
AUDIO          ?=
DATASET        ?=
INFER_PRECISION ?= f32

# ---- Derived paths -----------------------------------------------------------------------------
# Two environments, one per converter: openvino-dev 2024.6 (mo) pins numpy<2 and stops at Python
# 3.12; today's openvino (ovc) needs neither. Both hold the same torch and onnx (requirements-common.txt),
# which export byte-identical ONNX, so the steps before conversion run in whichever is in use and
# switching converter reuses the ONNX.
MO_STAMP    := $(VENV)/.rnnt-requirements
OVC_STAMP   := $(OVC_VENV)/.rnnt-requirements
ifeq ($(CONVERTER),ovc)
  ENV := $(OVC_VENV)
else
  ENV := $(VENV)
endif
PY          := $(ENV)/bin/python
ENV_STAMP   := $(ENV)/.rnnt-requirements
CONVERT     := $(ENV)/bin/$(CONVERTER)
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

ifneq ($(WEIGHTS),)
  WEIGHTS_FILE := $(WEIGHTS)
else
  WEIGHTS_FILE := $(BUILD_DIR)/download/$(notdir $(WEIGHTS_URL))
endif

ifeq ($(PRECISION),FP16)
  COMPRESS := True
else
  COMPRESS := False
endif
# The documented encoder command freezes the lengths input to SEQ_LEN, one value per batch row.
# SEQ_LEN=dynamic leaves the time axis open ("?") and keeps the lengths as an input.
ifeq ($(SEQ_LEN),dynamic)
  TIME    := ?
  LENGTHS :=
else
  TIME    := $(SEQ_LEN)
  LENGTHS := $(strip $(foreach _,$(shell seq 1 $(BATCH) 2>/dev/null),$(SEQ_LEN)))
endif

# ---- Checks before any work --------------------------------------------------------------------
positive_int = $(if $(shell [[ '$(subst ',,$($(1)))' =~ ^[1-9][0-9]*$$ ]] && echo ok),,\
  $(error $(1)=$($(1)) is not a positive integer: use e.g. $(1)=$(2)))
ifneq ($(SEQ_LEN),dynamic)
  $(call positive_int,SEQ_LEN,157 or SEQ_LEN=dynamic)
endif
$(call positive_int,BATCH,1)
$(call positive_int,OPSET,12)
$(call positive_int,VERIFY_SEEDS,3)
$(call positive_int,BENCH_THREADS,2)
$(call positive_int,BENCH_RUNS,50)
ifeq ($(filter mo ovc,$(CONVERTER)),)
  $(error CONVERTER=$(CONVERTER) is not supported: use CONVERTER=mo (openvino-dev 2024.6, Python 3.11-3.12) or CONVERTER=ovc (openvino 2026.4, Python 3.11-3.14))
endif
ifeq ($(abspath $(VENV)),$(abspath $(OVC_VENV)))
  $(error VENV and OVC_VENV are both $(VENV): the two converters need separate environments (their numpy pins conflict))
endif
ifeq ($(filter FP32 FP16,$(PRECISION)),)
  $(error PRECISION=$(PRECISION) is not supported: use PRECISION=FP32 or PRECISION=FP16)
endif
ifeq ($(filter f32 default,$(INFER_PRECISION)),)
  $(error INFER_PRECISION=$(INFER_PRECISION) is not supported: use f32, or default for the CPU's own choice)
endif
ifneq ($(filter transcribe,$(MAKECMDGOALS)),)
  ifeq ($(AUDIO),)
    $(error no AUDIO given: make transcribe AUDIO=speech.flac (16 kHz mono WAV or FLAC))
  endif
  ifneq ($(words $(AUDIO)),$(words $(wildcard $(AUDIO))))
    $(error AUDIO: no such file: $(filter-out $(wildcard $(AUDIO)),$(AUDIO)))
  endif
endif
ifneq ($(filter wer,$(MAKECMDGOALS)),)
  ifeq ($(wildcard $(DATASET)/.),)
    $(error DATASET=$(DATASET) is not a folder: make wer DATASET=/path/to/LibriSpeech/dev-clean)
  endif
endif
ifneq ($(words $(BUILD_DIR) $(VENV) $(OVC_VENV) $(IR_DIR) $(SRC_DIR) $(WEIGHTS_FILE)),6)
  $(error a path contains spaces, which make cannot handle: move BUILD_DIR, VENV, OVC_VENV, IR_DIR, MLCOMMONS_PATH and WEIGHTS to paths without spaces)
endif

# $(call remember,FILE,VAR): keep the value of VAR in FILE, rewriting FILE only when the value
# changed, so that targets depending on FILE rebuild exactly when the setting changed.
define remember
ifneq ($$(file <$(1)),$$($(2)))
  $$(shell mkdir -p $(dir $(1)))
  $$(file >$(1),$$($(2)))
endif
endef
SOURCE_SETTING  := $(if $(MLCOMMONS_PATH),$(abspath $(MODEL_DIR)),$(MLCOMMONS_URL) $(MLCOMMONS_REV))
WEIGHTS_SETTING := $(abspath $(WEIGHTS_FILE)) sha256=$(WEIGHTS_SHA256) trust=$(TRUST_CHECKPOINT)
IR_SETTING      := seq=$(SEQ_LEN) batch=$(BATCH) precision=$(PRECISION) converter=$(CONVERTER)
ifneq ($(filter-out help test check clean distclean demo,$(or $(MAKECMDGOALS),all)),)
  $(eval $(call remember,$(CONFIG_DIR)/source,SOURCE_SETTING))
  $(eval $(call remember,$(CONFIG_DIR)/weights,WEIGHTS_SETTING))
  $(eval $(call remember,$(CONFIG_DIR)/opset,OPSET))
  $(eval $(call remember,$(IR_DIR)/.settings,IR_SETTING))
endif

# ---- Targets -----------------------------------------------------------------------------------
.PHONY: all ir onnx weights source venv verify benchmark demo transcribe wer test check clean distclean help
all: ir

ir: $(IR_DIR)/rnnt_ir.txt
onnx: $(ONNX_FILES)
weights: $(MIGRATED) $(FEATURIZER)
source: $(MODEL_FILES)
venv: $(ENV_STAMP)

# Step 0: the Python environment of the converter in use, rebuilt when its requirements change.
# VENV and OVC_VENV may name existing environments: the requirements are installed into them.
# pip's byte-compiling of all of torch costs ~20 s; instead compile only what the recipe runs
# (mo or ovc, onnx) and what importing torch loads, which makes every later step as fast as a
# full compile would.
# $(call venv_rule,DIR,REQUIREMENTS,OLDEST 3.x,NEWEST 3.x,ROUTE,HINT,PACKAGES TO COMPILE)
define venv_rule
$(1)/.rnnt-requirements: $(2) requirements-common.txt
	@$$(PYTHON) -c 'import sys; v = sys.version_info[:2]; ok = (3, $(3)) <= v <= (3, $(4)); \
	  ok or sys.exit(f"error: {sys.executable} is Python {v[0]}.{v[1]}; $(5) needs 3.$(3) to 3.$(4): $(strip $(6))")'
	@echo "== environment: $(1) from $(2)"
	[[ -x $(1)/bin/python ]] || { $$(PYTHON) -m venv $(1) && touch $(1)/.created-by-rnnt-ir; }
	$(1)/bin/python -m pip install --disable-pip-version-check --no-compile -q -r $(2)
	@site=$$$$($(1)/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'); \
	  $(1)/bin/python -W ignore -m compileall -q -j0 $(7:%=$$$$site/%) > /dev/null
	@env -u PYTHONDONTWRITEBYTECODE $(1)/bin/python -c 'import torch, torch.onnx, onnx, toml'
	@touch $$@
endef
$(eval $(call venv_rule,$(VENV),requirements.txt,11,12,the mo route (openvino-dev 2024.6),\
  run make PYTHON=python3.12 (or 3.11) or use make CONVERTER=ovc,openvino onnx networkx))
$(eval $(call venv_rule,$(OVC_VENV),requirements-ovc.txt,11,14,the ovc route (openvino 2026.4),\
  run make PYTHON=python3.13 (or 3.11 to 3.14),openvino onnx))

# Steps 1-2: the upstream source. A shallow clone of only speech_recognition/rnnt, as documented.
# Commands are echoed without their error handling, which prints one line of its own.
CLONE    = git clone -q -b $(MLCOMMONS_REV) -n --depth 1 $(MLCOMMONS_URL) $(SRC_DIR).tmp
CHECKOUT = git -C $(SRC_DIR).tmp checkout -q HEAD -- speech_recognition/rnnt
ifeq ($(MLCOMMONS_PATH),)
$(MODEL_FILES) &: $(CONFIG_DIR)/source
	@echo "== source: $(MLCOMMONS_URL) at $(MLCOMMONS_REV)"
	@rm -rf $(SRC_DIR).tmp
	@echo '$(CLONE)'
	@$(CLONE) || { rm -rf $(SRC_DIR).tmp; \
	  echo "error: cannot clone $(MLCOMMONS_URL) (branch $(MLCOMMONS_REV)): no network or no such branch? Offline, use MLCOMMONS_PATH=/path/to/inference-clone" >&2; exit 1; }
	@echo '$(CHECKOUT)'
	@$(CHECKOUT) 2>/dev/null || { rm -rf $(SRC_DIR).tmp; \
	  echo "error: $(MLCOMMONS_URL) at $(MLCOMMONS_REV) has no speech_recognition/rnnt: use MLCOMMONS_REV=r1.0, or MLCOMMONS_PATH= for a clone of today's master" >&2; exit 1; }
	@echo "source: commit $$(git -C $(SRC_DIR).tmp rev-parse HEAD)"
	@rm -rf $(SRC_DIR)
	@mv $(SRC_DIR).tmp $(SRC_DIR)
	@touch $(MODEL_FILES)
else ifeq ($(MODEL_MISSING),1)
$(MODEL_FILES):
	@echo "error: MLCOMMONS_PATH=$(MLCOMMONS_PATH) holds no RNN-T model: looked for $(LAYOUTS:%=%/model_separable_rnnt.py); point it at a clone of github.com/mlcommons/inference" >&2
	@exit 1
else
$(MODEL_FILES):
	@echo "error: $@ is missing from MLCOMMONS_PATH=$(MLCOMMONS_PATH): the clone is incomplete" >&2
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

# Step 4: migrated weights (joint_net -> joint.net) and the featurizer tensors beside them.
$(MIGRATED) $(FEATURIZER) &: $(WEIGHTS_FILE) migrate.py $(CONFIG_DIR)/weights requirements-common.txt | $(ENV_STAMP) $(WEIGHTS_DIR)
	@echo "== migrate: $(WEIGHTS_FILE)"
ifneq ($(WEIGHTS_SHA256),)
	@actual=$$(sha256sum $(WEIGHTS_FILE) | cut -d' ' -f1); [[ "$$actual" == "$(WEIGHTS_SHA256)" ]] || { \
	  echo "error: $(WEIGHTS_FILE) has sha256 $$actual, not WEIGHTS_SHA256=$(WEIGHTS_SHA256): delete the file to download it again, or fix WEIGHTS_SHA256" >&2; exit 1; }
endif
	$(PY) migrate.py $(WEIGHTS_FILE) --out $(MIGRATED) --featurizer-out $(FEATURIZER)$(if $(filter 1,$(TRUST_CHECKPOINT)), --trust-checkpoint)

# Step 5: three ONNX files from one process, and the outputs of the start-of-sequence step.
# Steps 4 and 5 depend on the pins they use (torch, onnx), not on which environment ran them.
$(ONNX_FILES) &: $(MIGRATED) $(MODEL_FILES) export_rnnt_to_onnx.py $(PKG)/interface.py $(PKG)/upstream.py $(CONFIG_DIR)/opset $(CONFIG_DIR)/source requirements-common.txt | $(ENV_STAMP) $(ONNX_DIR)
	@echo "== export: ONNX opset $(OPSET) from $(MODEL_DIR)"
	$(PY) export_rnnt_to_onnx.py --model-dir $(MODEL_DIR) --weights $(MIGRATED) --output-dir $(ONNX_DIR) --opset $(OPSET)

# Step 6: one converter call per network. The input shapes are the documented mo --input strings;
# ovc spells them with commas. The converter writes into a temporary folder; the .bin is moved
# before the .xml, which make takes as the sign of done.
INPUT_encoder    := input.1[$(TIME) $(BATCH) 240],1[$(BATCH)]
INPUT_prediction := input.1[$(BATCH) 1],1[2 $(BATCH) 320],2[2 $(BATCH) 320]
INPUT_joint      := 0[$(BATCH) 1 1024],1[$(BATCH) 1 320]
TMP = $(IR_DIR)/.tmp-$(1)

ifeq ($(CONVERTER),mo)
# mo freezes the lengths itself: "1[B]->[SEQ_LEN ...]".
convert_command = $(CONVERT) --input_model $(ONNX_DIR)/rnnt_$(1).onnx \
  --input "$(INPUT_$(1))$(if $(and $(filter encoder,$(1)),$(LENGTHS)),->[$(LENGTHS)])" \
  --model_name rnnt_$(1) --compress_to_fp16=$(COMPRESS) --output_dir $(TMP)
else
# ovc cannot freeze an input: it converts the encoder with the lengths kept, into $(TMP)/ovc/, and
# freeze_input.py replaces that input by a constant, as mo does, writing $(TMP)/rnnt_encoder.xml.
FREEZE_encoder := $(if $(LENGTHS),1)
convert_command = $(CONVERT) $(ONNX_DIR)/rnnt_$(1).onnx --input "$(subst $() ,$(comma),$(INPUT_$(1)))" \
  --compress_to_fp16=$(COMPRESS) --output_model $(TMP)/$(if $(FREEZE_$(1)),ovc/)rnnt_$(1).xml
freeze_command = $(PY) freeze_input.py $(TMP)/ovc/rnnt_$(1).xml $(TMP)/rnnt_$(1).xml --input 1 --value $(LENGTHS)
endif
comma := ,

define ir_rule
$(IR_DIR)/rnnt_$(1).xml $(IR_DIR)/rnnt_$(1).bin &: $(ONNX_DIR)/rnnt_$(1).onnx $(IR_DIR)/.settings $(ENV_STAMP) \
    $(if $(FREEZE_$(1)),freeze_input.py)
	@echo '== $(CONVERTER): $(1) -> $(IR_DIR) ($(PRECISION))'
	@echo '$(call convert_command,$(1))'
	@rm -rf $(TMP)
	@$(call convert_command,$(1)) > $(TMP).log 2>&1 || { \
	  cat $(TMP).log >&2; echo "error: $(CONVERTER) failed on $(ONNX_DIR)/rnnt_$(1).onnx (its log is above)" >&2; exit 1; }
ifneq ($(FREEZE_$(1)),)
	@echo '$(call freeze_command,$(1))'
	@$(call freeze_command,$(1))
endif
	@mv $(TMP)/rnnt_$(1).bin $(IR_DIR)/rnnt_$(1).bin
	@mv $(TMP)/rnnt_$(1).xml $(IR_DIR)/rnnt_$(1).xml
	@rm -rf $(TMP) $(TMP).log
endef
$(foreach n,$(NETWORKS),$(eval $(call ir_rule,$(n))))

# The start-of-sequence step goes with the IR, so that the IR folder alone can decode.
$(IR_DIR)/$(START_STEP): $(ONNX_DIR)/$(START_STEP) $(IR_DIR)/.settings
	@cp $< $@.tmp
	@mv $@.tmp $@

# The summary of a finished IR set: what each input and output is, read back from the IR.
$(IR_DIR)/rnnt_ir.txt: $(IR_FILES) describe_ir.py $(PKG)/interface.py
	@$(PY) describe_ir.py $(IR_DIR) > $@.tmp
	@mv $@.tmp $@
	@cat $@

$(BUILD_DIR)/download $(WEIGHTS_DIR) $(ONNX_DIR):
	@mkdir -p $@

# ---- Using the IR ------------------------------------------------------------------------------
# PyTorch (upstream code, migrated weights) against the ONNX and the IR of this configuration.
verify: $(IR_DIR)/rnnt_ir.txt $(ONNX_FILES) $(MODEL_FILES) $(MIGRATED)
	$(PY) -m $(PKG).verify --ir-dir $(IR_DIR) --onnx-dir $(ONNX_DIR) --model-dir $(MODEL_DIR) \
	  --weights $(MIGRATED) --precision $(PRECISION) --seeds $(VERIFY_SEEDS)

# PyTorch, ONNX Runtime and OpenVINO (f32 and the CPU's default) side by side; figures also in JSON.
benchmark: $(IR_DIR)/rnnt_ir.txt $(ONNX_FILES) $(MODEL_FILES) $(MIGRATED)
	@mkdir -p $(BUILD_DIR)/benchmark
	$(PY) -m $(PKG).benchmark --ir-dir $(IR_DIR) --onnx-dir $(ONNX_DIR) --model-dir $(MODEL_DIR) \
	  --weights $(MIGRATED) --threads $(BENCH_THREADS) --runs $(BENCH_RUNS)$(if $(filter 1,$(BENCH_QUICK)), --quick) \
	  --json $(BUILD_DIR)/benchmark/$(notdir $(IR_DIR))-$$(date +%Y%m%d-%H%M%S).json

# Speech to text with the IR: upstream's featurizer in numpy, greedy decoding with the three IR.
ASR_ARGS = --ir-dir $(IR_DIR) --featurizer $(FEATURIZER) --config $(MODEL_DIR)/configs/rnnt.toml \
  --precision $(INFER_PRECISION)
transcribe: $(IR_DIR)/rnnt_ir.txt $(FEATURIZER) $(MODEL_FILES)
	@$(PY) -m $(PKG).transcribe $(ASR_ARGS) $(AUDIO)

wer: $(IR_DIR)/rnnt_ir.txt $(FEATURIZER) $(MODEL_FILES)
	@mkdir -p $(BUILD_DIR)/wer
	$(PY) -m $(PKG).wer $(ASR_ARGS) $(DATASET) \
	  --json $(BUILD_DIR)/wer/$(notdir $(abspath $(DATASET)))-$(notdir $(IR_DIR))-$(INFER_PRECISION).json

# The whole recipe offline, on the test suite's stand-in upstream and a random-weight checkpoint,
# in a build folder of its own. It runs this Makefile again with the demo's sources: the one
# place where a sub-make is the plain way to say "the same recipe, other inputs".
DEMO_DIR := $(BUILD_DIR)/demo
$(DEMO_DIR)/fixtures/checkpoint.pt: tests/build_fixtures.py tests/standin_upstream.py tests/synthetic_checkpoint.py $(ENV_STAMP)
	$(PY) tests/build_fixtures.py $(DEMO_DIR)/fixtures

demo: $(DEMO_DIR)/fixtures/checkpoint.pt
	@echo "== demo: the recipe on a stand-in upstream and RANDOM weights: decoded tokens mean nothing"
	$(MAKE) --no-print-directory BUILD_DIR=$(DEMO_DIR) IR_DIR=$(DEMO_DIR)/ir/$(notdir $(IR_DIR)) \
	  MLCOMMONS_URL=file://$(abspath $(DEMO_DIR)/fixtures/inference) MLCOMMONS_PATH= \
	  WEIGHTS_URL=file://$(abspath $(DEMO_DIR)/fixtures/checkpoint.pt) WEIGHTS= WEIGHTS_SHA256= \
	  VERIFY_SEEDS=1 BENCH_QUICK=1 ir verify benchmark
	@echo "== demo done: the weights were random; run 'make ir' for the real model"

# ---- Housekeeping ------------------------------------------------------------------------------
# The tests build IR with both converters, so they need both environments; pytest runs in VENV.
test check: $(MO_STAMP) $(OVC_STAMP)
	RNNT_OVC_VENV=$(abspath $(OVC_VENV)) $(VENV)/bin/python -m pytest -q tests

clean:
	rm -rf $(WEIGHTS_DIR) $(ONNX_DIR) $(BUILD_DIR)/ir $(CONFIG_DIR) $(IR_DIR)

# The venv goes only if this Makefile created it, never an environment the user pointed VENV at.
distclean: clean
	rm -rf $(BUILD_DIR)
	for env in $(VENV) $(OVC_VENV); do if [[ -e $$env/.created-by-rnnt-ir ]]; then rm -rf $$env; fi; done

help:
	@echo 'Targets:'
	@echo '  ir (default)  three OpenVINO IR in IR_DIR: rnnt_encoder, rnnt_prediction, rnnt_joint (.xml/.bin)'
	@echo '  onnx          the three ONNX files in $(ONNX_DIR)'
	@echo '  weights       the migrated state dict and featurizer tensors in $(WEIGHTS_DIR)'
	@echo '  source        the upstream model code (shallow clone, or MLCOMMONS_PATH)'
	@echo '  venv          the Python environment of CONVERTER: VENV (mo) or OVC_VENV (ovc)'
	@echo '  verify        compare IR and ONNX with the PyTorch model: per network, and a greedy decode'
	@echo '  benchmark     time PyTorch, ONNX Runtime and the IR; JSON in $(BUILD_DIR)/benchmark/'
	@echo '  demo          the whole recipe offline on random weights, then verify and a quick benchmark'
	@echo '  transcribe    AUDIO=file.flac: print its transcript (16 kHz mono WAV or FLAC)'
	@echo '  wer           DATASET=LibriSpeech/dev-clean: word error rate over a LibriSpeech-layout folder'
	@echo '  test          the offline test suite (builds both environments)'
	@echo '  clean         remove migrated weights, ONNX and IR (keeps clone, download, venv)'
	@echo '  distclean     also remove the clone, the download and the venvs this Makefile made'
	@echo 'Variables (current value):'
	@$(foreach v,CONVERTER PYTHON VENV OVC_VENV BUILD_DIR MLCOMMONS_URL MLCOMMONS_REV MLCOMMONS_PATH WEIGHTS_URL WEIGHTS \
	  WEIGHTS_SHA256 TRUST_CHECKPOINT OPSET SEQ_LEN BATCH PRECISION IR_DIR VERIFY_SEEDS BENCH_THREADS BENCH_RUNS BENCH_QUICK AUDIO DATASET INFER_PRECISION,printf '  %-16s %s\n' '$(v)' '$($(v))';)
