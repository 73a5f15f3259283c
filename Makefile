# cnngen - a compiler from CNN specs (YAML) to specialized C.
#
#   make            build ./cnngen and the runtime library runtime/libcnngen.a
#   make run        install missing Debian packages, then the main job on specs/lenet5.yaml
#   make test       install missing Debian packages, build, run the whole test suite
#   make check      the fast tier: offline, under two minutes (tests/check.sh)
#   make bench      benchmarks against PyTorch and ONNX Runtime
#   make bench-mcu  the generated C on a Cortex-M4F in QEMU: code, RAM, instructions
#   make fuzz FUZZ_SECONDS=N   libFuzzer over the in-memory pipeline (fuzz/RUNS.md)
#   make asan       build/cnngen-asan: the generator under ASan+UBSan
#   make install PREFIX=DIR   installs bin/cnngen, lib/libcnngen.a, include/cnngen_rt.h

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra
PREFIX  ?= /usr/local
YAML_CFLAGS := $(shell pkg-config --cflags yaml-0.1 2>/dev/null)
YAML_LIBS   := $(shell pkg-config --libs yaml-0.1 2>/dev/null || echo -lyaml)

GEN_SRC  = $(sort $(wildcard generator/*.c generator/ops/*.c))
GEN_HDR  = generator/cnngen.h
TEMPLATES = $(sort $(wildcard templates/*.c templates/*.h))
RT_SRC   = $(sort $(wildcard runtime/*.c))
RT_OBJ   = $(RT_SRC:runtime/%.c=build/rt/%.o)

.PHONY: all run test check bench bench-mcu install clean deps deps-test fuzz asan

all: cnngen runtime/libcnngen.a

# Templates (and the runtime header, for --stack-cc) are compiled into the binary, so an
# installed cnngen works anywhere.
build/templates.c: $(TEMPLATES) runtime/cnngen_rt.h tools/embed.sh
	@mkdir -p build
	tools/embed.sh $(TEMPLATES) runtime/cnngen_rt.h > $@.tmp && mv $@.tmp $@

# The generator links the runtime's safetensors reader (for --weights, generator/weights.c).
GEN_RT   = runtime/safetensors.c

# One object per source file, with its dependency file (-MMD): a change to one file
# rebuilds one object (a change to cnngen.h rebuilds those that include it).
GEN_OBJ  = $(GEN_SRC:generator/%.c=build/gen/%.o) build/gen/templates.o build/gen/rt_safetensors.o

cnngen: $(GEN_OBJ)
	$(CC) $(CFLAGS) -o $@ $(GEN_OBJ) $(YAML_LIBS) -lm

build/gen/%.o: generator/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(WARN) -MMD -MP $(YAML_CFLAGS) -Igenerator -c -o $@ $<

build/gen/templates.o: build/templates.c
	@mkdir -p build/gen
	$(CC) $(CFLAGS) $(WARN) -c -o $@ $<

build/gen/rt_safetensors.o: $(GEN_RT)
	@mkdir -p build/gen
	$(CC) $(CFLAGS) $(WARN) -MMD -MP -Iruntime -c -o $@ $<

build/rt/%.o: runtime/%.c
	@mkdir -p build/rt
	$(CC) $(CFLAGS) $(WARN) -MMD -MP -std=c99 -Iruntime -c -o $@ $<

-include $(GEN_OBJ:.o=.d) $(RT_OBJ:.o=.d)

runtime/libcnngen.a: $(RT_OBJ)
	rm -f $@ && ar rcs $@ $(RT_OBJ)

# Hardening (fuzz/, tests/suite_hardening.sh): the generator under ASan+UBSan, and the
# libFuzzer target over the in-memory pipeline. `make fuzz FUZZ_SECONDS=N` runs it.
SAN_CC       ?= $(shell command -v clang-14 || command -v clang || echo clang-14)
SAN_FLAGS     = -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_SECONDS ?= 60

build/cnngen-asan: $(GEN_SRC) $(GEN_HDR) build/templates.c $(GEN_RT) runtime/cnngen_rt.h
	$(SAN_CC) $(SAN_FLAGS) $(WARN) $(YAML_CFLAGS) -Igenerator -o $@ $(GEN_SRC) build/templates.c $(GEN_RT) $(YAML_LIBS) -lm

build/fuzz_cnngen: fuzz/fuzz_cnngen.c $(GEN_SRC) $(GEN_HDR) build/templates.c $(GEN_RT) runtime/cnngen_rt.h
	$(SAN_CC) $(SAN_FLAGS) -fsanitize=fuzzer $(YAML_CFLAGS) -Igenerator -o $@ fuzz/fuzz_cnngen.c $(filter-out generator/main.c,$(GEN_SRC)) build/templates.c $(GEN_RT) $(YAML_LIBS) -lm

asan: build/cnngen-asan

fuzz: build/fuzz_cnngen
	fuzz/run.sh $(FUZZ_SECONDS)

deps:
	@tools/deps.sh build

deps-test:
	@tools/deps.sh test

run: deps all
	@tools/run_main.sh

test: deps-test all
	@tests/run.sh

# offline: needs only what `make` needs (and a C compiler), no PyTorch
check: all
	@tests/check.sh

bench: deps-test all
	@bench/run.sh

bench-mcu: deps-test all
	@bench/mcu.sh

install: all
	install -d $(PREFIX)/bin $(PREFIX)/lib $(PREFIX)/include
	install -m 755 cnngen $(PREFIX)/bin/cnngen
	install -m 644 runtime/libcnngen.a $(PREFIX)/lib/libcnngen.a
	install -m 644 runtime/cnngen_rt.h $(PREFIX)/include/cnngen_rt.h

clean:
	rm -rf build cnngen runtime/libcnngen.a
