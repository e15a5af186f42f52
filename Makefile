# portcullis — build, test, demo, bench.
# `make` builds release binaries in build/; `make test` builds a sanitized
# tree in build/asan/ and runs every test against it.

CC      ?= cc
PKGS     = libarchive jansson libzstd libcrypto zlib yara libcurl
OPT     ?= -O2 -g
CFLAGS  := $(OPT) -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

# ISA-L's igzip inflates gzip layers several times faster than zlib; zlib
# stays the portable path when libisal is not installed.
ifeq ($(shell pkg-config --exists libisal 2>/dev/null && echo yes),yes)
CFLAGS  += -DPC_HAVE_ISAL
LDLIBS  += -lisal
endif

B       ?= build
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

# The boundary (docs/architecture.md): lib/ is compiled with -Ilib
# -Iinclude; the tools in src/ and webhook/ see include/ only, so an
# internal header cannot be included from them. Tests and fuzz targets
# look inside (every lib/ folder and the webhook's).
LIB_DIRS = lib $(sort $(dir $(wildcard lib/*/*.c)))
LIB_SRC  = $(wildcard lib/*.c lib/*/*.c)
LIB_OBJ  = $(LIB_SRC:%.c=$(B)/obj/%.o)
CLI_SRC  = $(wildcard src/*.c)
CLI_OBJ  = $(CLI_SRC:%.c=$(B)/obj/%.o)
WH_DIRS  = webhook $(sort $(dir $(wildcard webhook/*/*.c)))
WH_SRC   = $(wildcard webhook/*.c webhook/*/*.c)
TEST_INC = -Iinclude $(addprefix -I,$(LIB_DIRS)) $(addprefix -I,$(WH_DIRS))
WH_OBJ   = $(WH_SRC:%.c=$(B)/obj/%.o)
WH_BIN   = $(if $(WH_SRC),$(B)/portcullis-webhook)
FIX_SRC  = $(wildcard fixtures/builder/*.c)
FIX_OBJ  = $(FIX_SRC:%.c=$(B)/obj/%.o)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

.PHONY: all deps test demo bench fuzz install clean format
all: $(B)/libportcullis.a $(B)/portcullis $(WH_BIN) $(B)/fixture-builder $(UNIT_BIN)

deps:
	@sh scripts/deps.sh

$(B)/obj/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ilib -Iinclude -MMD -MP -c $< -o $@

$(B)/obj/src/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iinclude -MMD -MP -c $< -o $@

$(B)/obj/webhook/%.o: webhook/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Iinclude -MMD -MP -c $< -o $@

$(B)/obj/fixtures/%.o: fixtures/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# A transport is one file, lib/source/transport_X.c, defining the row
# pc_source_X; source.c reads the list from $(B)/gen/transports.h (one
# PC_TRANSPORT(X) per file), rewritten only when the list changes.
TRANSPORTS = $(patsubst lib/source/transport_%.c,%,$(sort $(wildcard lib/source/transport_*.c)))
$(B)/gen/transports.h: transports-list
	@mkdir -p $(dir $@)
	@printf 'PC_TRANSPORT(%s)\n' $(TRANSPORTS) >$@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
.PHONY: transports-list
transports-list:
$(B)/obj/lib/source/source.o: $(B)/gen/transports.h
$(B)/obj/lib/source/source.o: CFLAGS += -I$(B)/gen

$(B)/libportcullis.a: $(LIB_OBJ)
	@mkdir -p $(B)
	rm -f $@ && ar rcs $@ $^

$(B)/portcullis: $(CLI_OBJ) $(B)/libportcullis.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

WH_LIBS  = $(shell pkg-config --libs libmicrohttpd gnutls 2>/dev/null)
WH_LIB_OBJ = $(filter-out $(B)/obj/webhook/main.o,$(WH_OBJ))
$(B)/obj/webhook/%.o: CFLAGS += $(shell pkg-config --cflags libmicrohttpd gnutls 2>/dev/null)

$(B)/portcullis-webhook: $(WH_OBJ) $(B)/libportcullis.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(WH_LIBS)

# Unit tests of the webhook's parts link its objects (all but main.o).
# A unit test of the webhook is one whose name says so: tests/unit/test_wh_*.c.
WH_UNIT  = $(filter $(B)/tests/test_wh_%,$(UNIT_BIN))
$(WH_UNIT): $(B)/tests/%: tests/unit/%.c $(WH_LIB_OBJ) $(B)/libportcullis.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(TEST_INC) $(shell pkg-config --cflags libmicrohttpd gnutls 2>/dev/null) $(LDFLAGS) -o $@ $< $(WH_LIB_OBJ) $(B)/libportcullis.a $(LDLIBS) $(WH_LIBS)

$(B)/fixture-builder: $(FIX_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# test_oom fails the Nth allocation of the library's own code.
$(B)/tests/test_oom: LDFLAGS += -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=vasprintf

$(B)/tests/%: tests/unit/%.c $(B)/libportcullis.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(TEST_INC) $(LDFLAGS) -o $@ $< $(B)/libportcullis.a $(LDLIBS)

test: deps
	$(MAKE) --no-print-directory B=build/asan SAN=1 OPT="-O1 -g" all
	@sh tests/run.sh build/asan

demo: deps all
	@sh scripts/demo.sh build

bench: deps all
	@sh bench/run.sh build

# Coverage-guided fuzzing (libFuzzer, clang, ASan+UBSan): one target per
# parser that reads hostile bytes (tests/fuzz/fuzz_*.c), built in
# build/fuzz/, seeded from the fixtures, each run FUZZ_SECONDS (default 60);
# a crash fails the run. FUZZ_TARGETS="fuzz_tar fuzz_layergen" picks some.
FUZZ_SECONDS ?= 60
FUZZ_B       = build/fuzz
FUZZ_SRC     = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN     = $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_B)/%)
FUZZ_TARGETS ?= $(FUZZ_SRC:tests/fuzz/%.c=%)
# The webhook's request-body readers link its objects (from an archive, so
# a target may define a route itself: fuzz_imagereview includes its .c).
FUZZ_WH      = $(addprefix $(FUZZ_B)/fuzz_,admission imagereview podspec tes)
.PHONY: fuzz fuzz-build
fuzz: deps
	$(MAKE) --no-print-directory B=$(FUZZ_B) CC=clang SAN=1 \
	    OPT="-O1 -g -fsanitize=fuzzer-no-link" fuzz-build
	@sh scripts/fuzz-seeds.sh $(FUZZ_B)
	@sh tests/fuzz/run.sh $(FUZZ_B) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Run by `fuzz` with B=$(FUZZ_B) and the fuzzing flags.
fuzz-build: $(FUZZ_BIN)

$(FUZZ_B)/libwebhook.a: $(WH_LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

FUZZ_H       = $(wildcard tests/fuzz/*.h)
$(FUZZ_B)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_H) $(FUZZ_B)/libportcullis.a
	$(CC) $(CFLAGS) $(TEST_INC) -fsanitize=fuzzer -o $@ $< $(FUZZ_B)/libportcullis.a $(LDLIBS)

$(FUZZ_WH): $(FUZZ_B)/%: tests/fuzz/%.c $(FUZZ_H) $(FUZZ_B)/libwebhook.a \
            $(FUZZ_B)/libportcullis.a
	$(CC) $(CFLAGS) $(TEST_INC) $(shell pkg-config --cflags libmicrohttpd gnutls 2>/dev/null) \
	    -fsanitize=fuzzer -o $@ $< $(FUZZ_B)/libwebhook.a $(FUZZ_B)/libportcullis.a \
	    $(LDLIBS) $(WH_LIBS)

# No credential helper is ever started while fuzzing the authfile.
$(FUZZ_B)/fuzz_authfile: LDLIBS += -Wl,--wrap=posix_spawnp

# Mutation testing (see the head of tests/mutate/run.sh): each
# mutant of tests/mutate/mutants.txt removes one protection from a copy of
# the tree (never this one); the suites named for it must fail. Release
# build; about 20 minutes on two cores. MUTANTS="redirect-* cache-*" picks some.
.PHONY: mutate
mutate: deps
	@sh tests/mutate/run.sh $(MUTANTS)

# Differential test against containerd's own code (tests/difftest/README.md):
# every case in tests/difftest/cases and 300 random images from SEED on
# (default: today's date, so each day draws new ones). Needs root.
SEED ?= $(shell date +%Y%m%d)
.PHONY: difftest
difftest: all
	@sh tests/difftest/run.sh $(B) --random 300 --seed $(SEED)

# The layout of docs/architecture.md, checked over the #include lines and
# the objects of $(B): src/ and webhook/ see include/ only, no circle of
# includes or of calls, no stage includes a later stage's header
# (scripts/check-layout.sh).
.PHONY: check-layout
check-layout: $(B)/libportcullis.a $(B)/portcullis $(WH_BIN)
	@sh scripts/check-layout.sh $(B)

install: all
	install -d $(DESTDIR)/usr/local/bin $(DESTDIR)/usr/local/share/portcullis
	install -m 0755 $(B)/portcullis $(WH_BIN) $(DESTDIR)/usr/local/bin/
	cp -r rules $(DESTDIR)/usr/local/share/portcullis/

format:
	clang-format -i include/*.h lib/*.[ch] lib/*/*.[ch] src/*.[ch] webhook/*.[ch] webhook/*/*.[ch] \
	    fixtures/builder/*.[ch] tests/unit/*.c

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(FIX_OBJ:.o=.d) $(WH_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
