# tornado-cpp: one plain Makefile (DESIGN.md §7).
#
#   make                 build/libtornado.a and the demos
#   make test            the doctest suite; last line "N passed, N failed"
#   make check           test, the suite under ASan/UBSan, the CHECK_CROSS suites, man lint,
#                        layering, function length, size, switches (CI)
#   make static-demos    the demos linked -static (-Os) into build/static/, stripped
#   make bench           Google Benchmark micro-benchmarks
#   make bench-peers     the same workloads on libev, libevent and libuv, side by side
#   make bench-websocket WebSocket echo, broadcast to 1,000 clients (vs python3-websockets), idle RSS
#   make bench-instructions  instructions per request under callgrind, beside nginx
#   make bench-report    both, nginx and the plots: build/bench/report.md (QUICK=1: fast)
#   make install         PREFIX=/usr/local DESTDIR=
#   make format          clang-format the tree
#   make CROSS=aarch64-linux-gnu-   cross build (static) into build/aarch64-linux-gnu/
#   make CROSS=aarch64-linux-gnu- check-cross   the suite cross-built, run under qemu-user
#   CXX=clang++  another compiler;  V=1  full commands
#   make NO_WEB=1        the library without web/ (into build/noweb/);  NO_RTTI=1  -fno-rtti
#   make UNITY=0         every file compiled on its own (while editing one file)

CROSS    ?=
CXX      := $(CROSS)$(if $(filter default,$(origin CXX)),g++,$(CXX))
AR       := $(CROSS)ar
STRIP    := $(CROSS)strip
PREFIX   ?= /usr/local
DESTDIR  ?=
# Feature switches (bench/README.md has what each saves; make check builds them: check-configs).
#   NO_WEB=1   the library without web/: reactor, gen, stream and http (HTTPServer, the client);
#              the demos and tests that need web/ are left out
#   NO_RTTI=1  compiled with -fno-rtti (exceptions stay)
# A build with a switch goes to a folder of its own, so that its objects never mix with others.
NO_WEB   ?=
NO_RTTI  ?=
SWITCHES_DIR := $(if $(NO_WEB),/noweb)$(if $(NO_RTTI),/nortti)
OPT      ?= -O2 -g
CXXFLAGS ?=
LDFLAGS  ?=

# A cross build goes to its own folder and links statically, so the binaries run on the target
# (or under qemu-user) with nothing beside them. 32-bit targets get the 64-bit time_t and off_t
# that glibc offers, so timestamps pass 2038 and files past 2 GiB work.
ifneq ($(CROSS),)
CROSS_TRIPLE := $(patsubst %-,%,$(notdir $(CROSS)))
BUILD    ?= build/$(CROSS_TRIPLE)$(SWITCHES_DIR)
LDFLAGS  += -static
CXXFLAGS += -D_FILE_OFFSET_BITS=64 -D_TIME_BITS=64 -Wno-psabi
QEMU_ARCH := $(firstword $(subst -, ,$(CROSS_TRIPLE)))
EMULATOR ?= qemu-$(QEMU_ARCH)
# GCC 12 for 32-bit ARM reports overlaps that cannot happen inside libstdc++'s own std::string
# move (reached through std::variant); the warning stays on for every other target.
ifeq ($(QEMU_ARCH),arm)
CXXFLAGS += -Wno-restrict
endif
endif
BUILD    ?= build$(SWITCHES_DIR)
# Where the objects go. NO_WEB changes what is linked, never how a file is compiled, so a
# NO_WEB=1 build shares the objects of the build without it (build/, build/nortti/, or the
# target's folder); only its archive and programs go to build/noweb/. A BUILD given on the
# command line holds everything.
OBJ      := $(if $(filter file,$(origin BUILD)),$(subst /noweb,,$(BUILD)),$(BUILD))

WARNINGS := -Wall -Wextra -Werror -Wshadow -Wconversion -Wold-style-cast -Woverloaded-virtual \
            -Wnon-virtual-dtor
IS_CLANG := $(findstring clang,$(shell $(CXX) --version 2>/dev/null))
ifneq ($(IS_CLANG),)
WARNINGS += -Wthread-safety
endif
# Every file includes the library's headers as "tornado/web/web.h", the form they have once
# installed under $(includedir)/tornado. In the tree that name is build/include/tornado, a
# symbolic link to the top folder (made by the first build).
INCLUDE_ROOT := build/include
# One section per function and object, so that a program linked with --gc-sections (a static
# build above all) keeps only the parts of libtornado.a it reaches: a static helloworld at -O2
# goes from 2,554,504 to 1,739,048 bytes stripped. A link without --gc-sections is unchanged.
SECTIONS     := -ffunction-sections -fdata-sections
ALL_CXXFLAGS := -std=c++20 $(OPT) $(WARNINGS) $(SECTIONS) $(if $(NO_RTTI),-fno-rtti) \
                -I$(INCLUDE_ROOT) -I. -MMD -MP $(SANITIZE) $(CXXFLAGS)
ALL_LDFLAGS  := $(SANITIZE) $(LDFLAGS) -pthread

# Parallel by default, one job per core; a -j on the command line wins, and sub-makes share
# the top one's job slots.
ifeq ($(MAKELEVEL),0)
ifeq ($(filter -j%,$(MAKEFLAGS)),)
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)
endif
endif

ifeq ($(V),1)
Q :=
else
Q := @
endif

# The target system decides the backend files (never an #ifdef inside them).
TARGET_OS := $(if $(CROSS),Linux,$(shell uname -s))
ifeq ($(TARGET_OS),Linux)
BACKEND_SRCS := reactor/epoll.cc
else
BACKEND_SRCS := reactor/kqueue.cc
endif

# --- sources, layer by layer (reactor < gen < stream < http < web) -------------------------------
REACTOR_SRCS := reactor/log.cc reactor/log_emit.cc reactor/localtime.cc reactor/timeout_heap.cc reactor/poller.cc $(BACKEND_SRCS) \
                reactor/poll.cc reactor/select.cc reactor/waker.cc reactor/ioloop.cc \
                reactor/ioloop_signal.cc reactor/ioloop_periodic.cc reactor/strtod.cc reactor/options.cc \
                reactor/autoreload.cc
GEN_SRCS     := gen/concurrent.cc gen/recycle.cc gen/gen.cc gen/executor.cc gen/locks.cc gen/queues.cc
STREAM_SRCS  := stream/regex_translate.cc stream/regex_match.cc stream/iostream.cc stream/iostream_write.cc stream/netutil.cc stream/netutil_resolver.cc stream/netutil_threaded.cc stream/netutil_dns.cc stream/netutil_dns_lookup.cc stream/tcpserver.cc \
                stream/tcpclient.cc stream/process.cc stream/subprocess.cc
HTTP_SRCS    := http/escape.cc http/base64.cc http/json.cc http/json_decode.cc http/httputil.cc http/httputil_form.cc http/http1connection_parse.cc http/http1connection_server.cc \
                http/http1connection.cc http/http1connection_write.cc http/http1connection_client.cc http/httpserver.cc http/httpclient.cc http/httpclient_pool.cc
WEB_SRCS     := web/sha1.cc web/sha1_hw.cc web/sha256.cc web/hmac.cc web/routing.cc web/web_handler.cc web/web_output.cc \
                web/web_cookies.cc web/web_application.cc web/web_static.cc web/testing.cc \
                web/websocket_protocol.cc web/websocket.cc web/websocket_handler.cc \
                web/websocket_client.cc \
                web/template_lexer.cc web/template_expr.cc web/template_eval.cc web/template_values.cc \
                web/template_builtins.cc web/template.cc web/template_loader.cc web/web_template.cc
LIB_SRCS     := $(REACTOR_SRCS) $(GEN_SRCS) $(STREAM_SRCS) $(HTTP_SRCS) $(if $(NO_WEB),,$(WEB_SRCS))
LIB          := $(BUILD)/libtornado.a

ALL_TEST_SRCS := tests/main.cc tests/support/async_test.cc tests/reactor/callback_test.cc \
                tests/reactor/timeout_heap_test.cc tests/reactor/poller_test.cc \
                tests/reactor/ioloop_test.cc tests/reactor/ioloop_timeout_test.cc \
                tests/reactor/ioloop_continuation_test.cc \
                tests/reactor/ioloop_thread_test.cc \
                tests/reactor/ioloop_signal_test.cc tests/reactor/periodic_callback_test.cc \
                tests/reactor/autoreload_test.cc \
                tests/reactor/waker_test.cc tests/reactor/util_test.cc tests/reactor/log_test.cc tests/reactor/localtime_test.cc tests/reactor/options_test.cc tests/reactor/strtod_test.cc \
                tests/gen/concurrent_test.cc tests/gen/recycle_test.cc tests/gen/gen_test.cc tests/gen/executor_test.cc \
                tests/gen/locks_test.cc tests/gen/locks_guard_test.cc tests/gen/queues_test.cc \
                tests/stream/regex_test.cc tests/stream/iostream_test.cc tests/stream/iostream_write_test.cc tests/support/net_test.cc tests/stream/netutil_test.cc tests/stream/netutil_accept_test.cc tests/support/fake_dns.cc tests/stream/netutil_dns_test.cc tests/stream/netutil_dns_lookup_test.cc \
                tests/stream/tcpserver_test.cc tests/stream/tcpclient_test.cc tests/stream/process_test.cc \
                tests/http/escape_test.cc tests/http/httputil_test.cc tests/http/httputil_form_test.cc \
                tests/http/http1connection_test.cc tests/http/http1connection_client_test.cc \
                tests/http/httpserver_test.cc tests/http/httpserver_peer_test.cc tests/http/httpserver_shutdown_test.cc tests/http/json_test.cc tests/http/httpclient_test.cc \
                tests/http/httpclient_pool_test.cc tests/http/httpclient_peer_test.cc \
                tests/http/httpclient_limits_test.cc \
                tests/web/hash_test.cc tests/web/web_test.cc tests/web/web_fields_test.cc tests/web/web_lifecycle_test.cc tests/web/web_cookies_test.cc \
                tests/web/routing_test.cc tests/web/routing_match_test.cc tests/web/static_test.cc tests/web/web_connection_close_test.cc \
                tests/web/web_head_test.cc tests/web/web_target_test.cc tests/web/url_test.cc \
                tests/web/websocket_protocol_test.cc tests/web/websocket_test.cc \
                tests/web/websocket_peer_test.cc tests/web/template_test.cc tests/web/template_web_test.cc \
                tests/demos/tcpecho_test.cc tests/demos/web_demos_test.cc tests/demos/httpbin_test.cc \
                tests/demos/process_demo_test.cc tests/demos/nginx_test.cc tests/demos/chat_test.cc \
                tests/support/demo_process.cc
TEST_SRCS    := $(ALL_TEST_SRCS)
# kqueue on Linux: the real backend file compiled against an epoll-based sys/event.h that lives
# only in tests/ (DESIGN §5).
ifeq ($(TARGET_OS),Linux)
SHIM_SRCS    := tests/support/kqueue_shim/kqueue_shim.cc tests/support/kqueue_shim/kqueue_backend.cc
endif
# What needs web/: its own tests, the client tests served by web handlers, the web demos' tests.
WEB_TESTS    := $(filter tests/web/%,$(TEST_SRCS)) tests/http/httpclient_test.cc \
                tests/http/httpclient_pool_test.cc tests/demos/web_demos_test.cc \
                tests/demos/httpbin_test.cc tests/demos/process_demo_test.cc \
                tests/demos/nginx_test.cc tests/demos/chat_test.cc
ifneq ($(NO_WEB),)
TEST_SRCS    := $(filter-out $(WEB_TESTS),$(TEST_SRCS))
endif

# --- unity build ----------------------------------------------------------------------------------
# By default each layer's .cc files compile as one translation unit ($(OBJ)/unity/lib/LAYER.cc,
# a list of #include lines; web/ in three: websocket, template and the rest; the thread pool and
# ThreadedResolver in a unit of their own, "threads", so that only a program that uses them
# pulls std::thread and getaddrinfo from the runtimes: see stream/netutil_threaded.cc), and so do the
# test files of each tests/ folder ($(OBJ)/unity/tests/FOLDER.cc). A fresh build then takes
# about half the compile time: the standard headers and the templates every file instantiates
# (Future<T>, coroutine frames, std::function, doctest's macros) are compiled once per unit
# instead of once per file. The functions are the same either way; error messages and debug
# information still name the real files. The library's files therefore keep their file-local
# names distinct (two files of a layer cannot both define a helper of the same name in an
# anonymous namespace: the compiler says so), and each test file is wrapped in a namespace of
# its own, after every header the folder's files include, so its local names stay its own.
# UNITY=0 compiles every file on its own, for editing: a change then recompiles one file.
UNITY ?= 1
ifeq ($(UNITY),1)
UNITY_LIB            := $(if $(NO_WEB),,web template websocket) http stream threads gen reactor
UNITY_SRCS_reactor   := $(REACTOR_SRCS)
UNITY_SRCS_threads   := gen/executor.cc stream/netutil_threaded.cc
UNITY_SRCS_gen       := $(filter-out $(UNITY_SRCS_threads),$(GEN_SRCS))
UNITY_SRCS_stream    := $(filter-out $(UNITY_SRCS_threads),$(STREAM_SRCS))
UNITY_SRCS_http      := $(HTTP_SRCS)
UNITY_SRCS_websocket := $(filter web/websocket%,$(WEB_SRCS))
UNITY_SRCS_template  := $(filter web/template% web/web_template.cc,$(WEB_SRCS))
UNITY_SRCS_web       := $(filter-out $(UNITY_SRCS_websocket) $(UNITY_SRCS_template),$(WEB_SRCS))
LIB_OBJS     := $(UNITY_LIB:%=$(OBJ)/unity/lib/%.o)
# A folder whose list NO_WEB shortens gets a unit of another name, so that the two builds,
# which share their objects, never overwrite each other's.
TEST_DIRS    := web http stream demos gen reactor
test_unit     = $(1)$(if $(filter-out $(TEST_SRCS),$(filter tests/$(1)/%,$(ALL_TEST_SRCS))),-noweb)
$(foreach d,$(TEST_DIRS),$(eval UNITY_TESTS_$(call test_unit,$(d)) := \
  $(filter tests/$(d)/%,$(TEST_SRCS))))
TEST_UNITS   := $(foreach d,$(TEST_DIRS),$(if $(filter tests/$(d)/%,$(TEST_SRCS)),$(call test_unit,$(d))))
TEST_OBJS    := $(patsubst %.cc,$(OBJ)/%.o,$(filter-out $(TEST_DIRS:%=tests/%/%),$(TEST_SRCS))) \
                $(TEST_UNITS:%=$(OBJ)/unity/tests/%.o)
else
LIB_OBJS     := $(LIB_SRCS:%.cc=$(OBJ)/%.o)
TEST_OBJS    := $(TEST_SRCS:%.cc=$(OBJ)/%.o)
endif
TEST_OBJS    += $(SHIM_SRCS:%.cc=$(OBJ)/%.o)
# The tests are compiled for a quick build, not for speed: -Og -g1 takes 40% of the compile
# time of -O2 -g on the test files (which are most of a build's work), keeps line numbers for
# a failure's backtrace, and the library under test keeps $(OPT). TEST_OPT="$(OPT)" undoes it.
TEST_OPT     ?= -Og -g1
$(TEST_OBJS): ALL_CXXFLAGS += $(TEST_OPT)
TEST_BIN     := $(BUILD)/tests/tornado_tests

WEB_DEMOS    := helloworld nonblocking httpbin chat template_render
DEMOS        := tcpecho $(if $(NO_WEB),,$(WEB_DEMOS)) httpclient
DEMO_BINS    := $(DEMOS:%=$(BUILD)/demos/%)
HTTPBIN_PARTS := $(patsubst %.cc,$(OBJ)/%.o,demos/httpbin_text.cc demos/httpbin_header.cc \
                   demos/httpbin_request.cc \
                   demos/httpbin_redirect.cc demos/httpbin_response.cc)

BENCH_SRCS   := bench/ioloop_bench.cc bench/poller_bench.cc bench/gen_bench.cc bench/iostream_bench.cc \
                bench/web_bench.cc bench/template_bench.cc \
                bench/http_parse_bench.cc
BENCH_SRCS   := $(if $(NO_WEB),$(filter-out bench/web_bench.cc bench/template_bench.cc,$(BENCH_SRCS)),$(BENCH_SRCS))
BENCH_BINS   := $(BENCH_SRCS:bench/%.cc=$(BUILD)/bench/%)

MAN_PAGES    := $(wildcard man/man3/*.3 man/man7/*.7)

.PHONY: bench-report bench-readme bench-instructions ensure-bench-tools bench-websocket check-browser uninstall check-install ensure-cross check-cross fuzz ensure-clang ensure-test-peers all lib test check check-asan check-tsan check-man check-layers check-functions bench bench-peers demo install \
        static-demos static-demo-bins ensure-static-libs check-size check-configs \
        clean format ensure-doctest ensure-mandoc ensure-benchmark
.DEFAULT_GOAL := all

all: $(LIB) $(DEMO_BINS)
lib: $(LIB)

$(INCLUDE_ROOT)/tornado:
	@mkdir -p $(INCLUDE_ROOT) && ln -sfn ../.. $@

$(OBJ)/%.o: %.cc | $(INCLUDE_ROOT)/tornado
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CXX     $<")
	$(Q)$(CXX) $(ALL_CXXFLAGS) -c $< -o $@

# A unit's source is written while make reads this file, and replaced only when its text would
# change (a file added to a list, a test file's new #include), so that an unchanged unit is not
# rebuilt; being a plain file, not the product of a rule, it never holds back the order in
# which the units compile. Its object depends on every file it includes through the
# compiler's dependency list (-MMD).
unit_lib   = printf '\#include "%s"\n' $(UNITY_SRCS_$(1))
unit_tests = grep -h '^\#include' $(UNITY_TESTS_$(1)) | sort -u; n=0; for f in $(UNITY_TESTS_$(1)); do \
             n=$$((n + 1)); printf 'namespace unity_%d {\n\#include "%s"\n}\n' $$n $$f; done
write_unit = $(shell mkdir -p $(dir $(1)) && { $(2); } > $(1).new && \
               if cmp -s $(1).new $(1); then rm $(1).new; else mv $(1).new $(1); fi)
UNIT_OBJS := $(filter $(OBJ)/unity/%,$(LIB_OBJS) $(TEST_OBJS))
ifeq ($(UNITY),1)
$(foreach u,$(UNITY_LIB),$(call write_unit,$(OBJ)/unity/lib/$(u).cc,$(call unit_lib,$(u))))
$(foreach u,$(TEST_UNITS),$(call write_unit,$(OBJ)/unity/tests/$(u).cc,$(call unit_tests,$(u))))
endif

# g++ warns when a type of an included .cc file's anonymous namespace is used by a function
# of another namespace (it counts the .cc as a header): harmless here, so that warning is off.
# g++ also limits how much inlining may grow a unit once it is "large" (--param large-unit-insns,
# 10,000 instructions): a file on its own is under it, a whole layer is over it, and the
# library's units then inlined less than its files did (bench/http_hello 11,276 user-space
# instructions per request against 10,147 per file; helloworld 18,694 against 16,116).
# Raising the threshold gives the library's units the inlining of separate files (10,101 and
# 16,082), for the same build time. clang's inliner has no such unit-wide limit.
UNIT_FLAGS := $(if $(IS_CLANG),,-Wno-subobject-linkage)
LIB_UNIT_FLAGS := $(if $(IS_CLANG),,--param large-unit-insns=1000000)
$(UNIT_OBJS): $(OBJ)/unity/%.o: $(OBJ)/unity/%.cc | $(INCLUDE_ROOT)/tornado
	@$(if $(Q),echo "  CXX     $<")
	$(Q)$(CXX) $(ALL_CXXFLAGS) $(UNIT_FLAGS) $(if $(filter $(OBJ)/unity/lib/%,$@),$(LIB_UNIT_FLAGS)) \
	  -c $< -o $@

# The kqueue backend under test: the same reactor/kqueue.cc, built against the shim's headers.
$(OBJ)/tests/support/kqueue_shim/kqueue_backend.o: reactor/kqueue.cc | $(INCLUDE_ROOT)/tornado
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CXX     $< (kqueue shim)")
	$(Q)$(CXX) $(ALL_CXXFLAGS) -Itests/support/kqueue_shim -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# The demos' objects are kept (not intermediates): after `make test`, `make` has nothing to do.
.SECONDARY: $(DEMOS:%=$(OBJ)/demos/%.o)

$(BUILD)/demos/%: $(OBJ)/demos/%.o $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CXX) $(filter %.o,$^) $(LIB) $(ALL_LDFLAGS) -o $@

# The httpbin demo's other objects (it is split by subject: demos/httpbin.h says which part
# holds what); the rules above and below link every object they are given.
$(BUILD)/demos/httpbin $(BUILD)/httpbin.debug: $(HTTPBIN_PARTS)

# --- static builds ------------------------------------------------------------------------------
# make static-demos: every demo linked -static into build/static/NAME, stripped (what goes onto a
# device), beside NAME.debug, the same link before stripping (symbols and debug info, for gdb
# and for looking at sizes: nm --size-sort -C -S). The library is compiled again under
# build/static/ with -Os, the usual choice where flash is counted: helloworld 1,739,048 bytes at
# -O2, 1,485,096 at -Os (both stripped, with --gc-sections). bench/README.md has the sizes.
STATIC_DIR     := $(BUILD)/static
STATIC_OPT     ?= -Os -g
STATIC_LDFLAGS := -static -Wl,--gc-sections

# A -static link needs the archives of the C and C++ runtimes (Debian: libc6-dev and
# libstdc++-N-dev, which g++ pulls in); the compiler prints the bare name when it has none.
ensure-static-libs:
	@for a in libc.a libstdc++.a; do \
	  f=$$($(CXX) -print-file-name=$$a); \
	  if [ "$$f" = "$$a" ] || [ ! -f "$$f" ]; then \
	    echo "static-demos: $(CXX) finds no $$a, so it cannot link -static" \
	      "(Debian: apt-get install libc6-dev and the libstdc++-N-dev of this compiler)"; exit 1; fi; \
	done

static-demos: ensure-static-libs
	$(Q)$(MAKE) --no-print-directory BUILD=$(STATIC_DIR) OPT="$(STATIC_OPT)" static-demo-bins

# Inside that make, $(BUILD) is build/static. Names are looked up by the library's own stub
# resolver (stream/netutil_dns*.cc); only a program that names ThreadedResolver links
# getaddrinfo, and the linker then warns that it "requires at runtime the shared libraries from
# the glibc version used for linking" (NSS sources other than "files" and "dns").
STATIC_BINS := $(DEMOS:%=$(BUILD)/%)
# Beside the demos, what check-size also measures: helloworld bound to numeric addresses only
# (tests/size/numeric_hello.cc), which links no name lookup.
SIZE_BINS   := $(if $(NO_WEB),,$(BUILD)/size/numeric_hello)
static-demo-bins: $(STATIC_BINS) $(SIZE_BINS)

$(SIZE_BINS:%=%.debug): $(BUILD)/size/%.debug: $(OBJ)/tests/size/%.o $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@ (static)")
	$(Q)$(CXX) $(filter %.o,$^) $(LIB) $(ALL_LDFLAGS) $(STATIC_LDFLAGS) -o $@

$(SIZE_BINS): $(BUILD)/size/%: $(BUILD)/size/%.debug
	@$(if $(Q),echo "  STRIP   $@")
	$(Q)$(STRIP) -o $@ $<

$(STATIC_BINS:%=%.debug): $(BUILD)/%.debug: $(OBJ)/demos/%.o $(LIB)
	@$(if $(Q),echo "  LINK    $@ (static)")
	$(Q)$(CXX) $(filter %.o,$^) $(LIB) $(ALL_LDFLAGS) $(STATIC_LDFLAGS) -o $@

$(STATIC_BINS): $(BUILD)/%: $(BUILD)/%.debug
	@$(if $(Q),echo "  STRIP   $@")
	$(Q)$(STRIP) -o $@ $<

# The library's share of the static, stripped helloworld (its size minus a printf-only
# program's, same flags) must stay within the budget (tests/check_size.sh; bench/README.md).
SIZE_BUDGET_KIB ?= 400
check-size: static-demos
	$(Q)CXX="$(CXX)" OPT="$(STATIC_OPT)" LDFLAGS="$(ALL_LDFLAGS) $(STATIC_LDFLAGS)" \
	  STRIP="$(STRIP)" SIZE_BUDGET_KIB=$(SIZE_BUDGET_KIB) sh tests/check_size.sh $(STATIC_DIR)

# --- tests ------------------------------------------------------------------------------------------
ensure-doctest:
	@if [ ! -f /usr/include/doctest/doctest.h ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "doctest is missing: installing Debian's doctest-dev"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq doctest-dev) >/dev/null \
	      || { echo "could not install doctest-dev"; exit 1; }; \
	  else \
	    echo "doctest is missing; run: sudo apt-get install doctest-dev"; exit 1; \
	  fi; \
	fi

$(TEST_OBJS): | ensure-doctest

# Peers some tests compare against (Python Tornado for signed-cookie interop, the real httpbin,
# curl, nginx in front of the demos). Installed when running as root; without them those tests
# say they skipped, and why.
PEER_PACKAGES := python3-tornado python3-httpbin python3-websockets curl nginx-light
ensure-test-peers:
	@missing=""; \
	for p in $(PEER_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing test peers:$$missing"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null 2>&1 \
	    || echo "could not install$$missing; the tests that need them will skip"; \
	fi

$(TEST_BIN): $(LIB) $(TEST_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CXX) $(TEST_OBJS) $(LIB) $(ALL_LDFLAGS) -o $@

# The runner prints "N passed, N failed" last, and records the counts for `make check`.
# The report script's self-test (a sample run's tables, well under a second) goes first, so the
# suite's count line stays the last line; no timing is ever checked here.
test: $(TEST_BIN) $(DEMO_BINS) | ensure-test-peers
	$(Q)if [ -x /usr/bin/python3 ]; then /usr/bin/python3 bench/report.py --self-test; \
	  else echo "skipped: bench/report.py self-test (no /usr/bin/python3)"; fi
	$(Q)TORNADO_TEST_COUNTS=$(BUILD)/test-counts TORNADO_DEMO_DIR=$(BUILD)/demos $(TEST_BIN) $(TEST_ARGS)

# g++ 12 reports false "maybe-uninitialized" in libstdc++ (std::regex, std::function) when the
# sanitizers instrument it; the plain build keeps the warning.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
             $(if $(IS_CLANG),,-Wno-maybe-uninitialized)
check-asan:
	$(Q)ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  $(MAKE) --no-print-directory BUILD=build/asan OPT="-O1 -g1" SANITIZE="$(SAN_FLAGS)" test

# By hand: the cross-thread cases under ThreadSanitizer.
check-tsan:
	$(Q)TSAN_OPTIONS=halt_on_error=1 $(MAKE) --no-print-directory BUILD=build/tsan OPT="-O1 -g" \
	  SANITIZE="-fsanitize=thread $(if $(IS_CLANG),,-Wno-maybe-uninitialized)" \
	  TEST_ARGS="$(TSAN_TESTS)" test
TSAN_TESTS ?= -tc=*thread*,*signal*

ensure-mandoc:
	@command -v mandoc >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "mandoc is missing: installing it"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mandoc) >/dev/null \
	      || { echo "could not install mandoc"; exit 1; }; \
	  else echo "mandoc is missing; run: sudo apt-get install mandoc"; exit 1; fi; }

# Lint, and every rendered line (tables and examples included) within 80 columns, as mandoc
# and, where man-db is installed, as groff lay it out (they wrap table cells differently).
# Lines are rendered in UTF-8 and counted in bytes, as awk 'length>80' counts them under
# mawk: a UTF-8 quote, bullet or dash takes three, so pages use Qq (straight quotes) and
# .Bl -dash rather than Ql, Sq, Dq and -bullet. OVERSTRIKE removes the backspace pairs that
# draw bold and underline (what col -b does, without needing col).
OVERSTRIKE := LC_ALL=C.UTF-8 sed 's/.\x08//g'
WIDE_LINES := LC_ALL=C awk -v m=$$m 'length > 80 { print m ": wider than 80 bytes: " $$0; bad = 1 } END { exit bad }'
check-man: ensure-mandoc
	$(Q)mandoc -Tlint -Wwarning $(MAN_PAGES)
	$(Q)for m in $(MAN_PAGES); do \
	  mandoc -Tutf8 -Owidth=80 $$m | $(OVERSTRIKE) | $(WIDE_LINES) || exit 1; \
	  if command -v man >/dev/null && command -v groff >/dev/null; then \
	    LC_ALL=C.UTF-8 MANWIDTH=80 man -l $$m 2>/dev/null | $(OVERSTRIKE) \
	      | $(WIDE_LINES) || exit 1; fi; done
	@echo "man pages: $(words $(MAN_PAGES)) lint clean, within 80 columns"

check-layers:
	$(Q)sh tests/check_layers.sh

# No library function longer than 80 lines, as clang++ parses them (tests/check_function_length.py
# reads its AST dump: declaration to closing brace, headers included). Says it skipped when
# clang++ is missing. About 80 s of CPU, spread over the cores.
check-functions: | $(INCLUDE_ROOT)/tornado
	$(Q)/usr/bin/python3 tests/check_function_length.py --max-lines 80 \
	  $(REACTOR_SRCS) $(GEN_SRCS) $(STREAM_SRCS) $(HTTP_SRCS) $(WEB_SRCS)

# The feature switches as CI builds them. NO_WEB=1: the library without web/, with the tests
# and demos that do not need it, linked from the plain build's objects (the switch changes
# what is linked, not how anything compiles) and run. NO_RTTI=1 is the cross suites' switch
# (below): the whole library, web/ included, and every test, built and run with -fno-rtti.
check-configs:
	$(Q)$(MAKE) --no-print-directory NO_WEB=1 test

# Runs in order even under -j: the summary line must come last.
# CHECK_CROSS="aarch64-linux-gnu- arm-linux-gnueabihf-" adds those targets' suites under
# qemu-user, counted in the closing line with the others (CI runs both). They are built as
# small targets often are, with -fno-rtti (NO_RTTI=1), which is how make check covers that
# switch, and without debug information (OPT=-O2, TEST_OPT=-Og: a fifth less compile time;
# nothing reads it under the emulator).
CHECK_CROSS ?=
CROSS_CHECK_OPT := OPT=-O2 TEST_OPT=-Og
check:
	$(Q)$(MAKE) --no-print-directory test
	$(Q)$(MAKE) --no-print-directory check-asan
	$(Q)for c in $(CHECK_CROSS); do \
	  rm -f build/$${c%-}/nortti/test-counts; \
	  $(MAKE) --no-print-directory CROSS=$$c NO_RTTI=1 $(CROSS_CHECK_OPT) check-cross || exit 1; done
	$(Q)$(MAKE) --no-print-directory check-man
	$(Q)$(MAKE) --no-print-directory check-layers
	$(Q)$(MAKE) --no-print-directory check-functions
	$(Q)$(MAKE) --no-print-directory check-install
	$(Q)$(MAKE) --no-print-directory check-size
	$(Q)$(MAKE) --no-print-directory check-configs
	$(Q)sh tests/summarize_counts.sh build/test-counts build/asan/test-counts \
	  build/noweb/test-counts $(foreach c,$(CHECK_CROSS),build/$(patsubst %-,%,$(c))/nortti/test-counts)

# The chat demo in headless Chromium (tests/browser/chat_browser.py; the suite runs it too, and
# says it skipped when Chromium is absent). The screenshot goes to $(BUILD)/browser/chat.png.
check-browser: $(BUILD)/demos/chat
	$(Q)/usr/bin/python3 tests/browser/chat_browser.py $(BUILD)/demos/chat $(BUILD)/browser/chat.png

# --- cross builds, run under qemu-user -----------------------------------------------------------
#   make CROSS=aarch64-linux-gnu- check-cross     (also arm-linux-gnueabihf-, riscv64-linux-gnu-)
# The suite and the demos are built for the target and run by the emulator; the demos that the
# tests start are run through it too (TORNADO_TEST_EMULATOR). The toolchain and qemu-user are
# installed from Debian when missing and root.
ensure-cross:
	@if [ -z "$(CROSS)" ]; then echo "check-cross needs a toolchain: make CROSS=aarch64-linux-gnu- check-cross"; exit 1; fi
	@missing=""; command -v $(CXX) >/dev/null || missing="g++-$(CROSS_TRIPLE)"; \
	command -v $(EMULATOR) >/dev/null || missing="$$missing qemu-user"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null \
	      || { echo "could not install$$missing"; exit 1; }; \
	  else echo "missing:$$missing; run: sudo apt-get install$$missing"; exit 1; fi; \
	fi

# The target's compiler does not search the build machine's /usr/include; doctest is one header
# and compiles for any target, so the tests see it through a folder of its own.
ifneq ($(CROSS),)
DOCTEST_DIR := $(OBJ)/host-include
$(TEST_OBJS): ALL_CXXFLAGS += -isystem $(DOCTEST_DIR)
$(TEST_OBJS): | $(DOCTEST_DIR)/doctest
$(DOCTEST_DIR)/doctest: | ensure-doctest
	@mkdir -p $(DOCTEST_DIR) && ln -sfn /usr/include/doctest $@
endif

check-cross: ensure-cross ensure-doctest
	$(Q)$(MAKE) --no-print-directory $(TEST_BIN) $(DEMO_BINS)
	@echo "running the $(CROSS_TRIPLE) suite under $(EMULATOR)"
	$(Q)TORNADO_TEST_EMULATOR=$(EMULATOR) TORNADO_TEST_COUNTS=$(BUILD)/test-counts \
	  TORNADO_DEMO_DIR=$(BUILD)/demos $(EMULATOR) $(TEST_BIN) $(TEST_ARGS)

# --- benchmarks ---------------------------------------------------------------------------------
ensure-benchmark:
	@if [ ! -f /usr/include/benchmark/benchmark.h ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Google Benchmark is missing: installing Debian's libbenchmark-dev"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libbenchmark-dev) >/dev/null \
	      || { echo "could not install libbenchmark-dev"; exit 1; }; \
	  else echo "Google Benchmark is missing; run: sudo apt-get install libbenchmark-dev"; exit 1; fi; \
	fi

$(BUILD)/bench/%: bench/%.cc $(LIB) | ensure-benchmark
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  BENCH   $@")
	$(Q)$(CXX) $(ALL_CXXFLAGS) -O3 -DNDEBUG $(BENCH_EXTRA) $< $(BENCH_EXTRA_OBJS) $(LIB) $(ALL_LDFLAGS) \
	  -lbenchmark $(BENCH_EXTRA_LIBS) -o $@

# The C10K runs include kqueue, which Linux has only through the test suite's epoll shim.
ifeq ($(TARGET_OS),Linux)
$(BUILD)/bench/poller_bench: BENCH_EXTRA_OBJS := $(SHIM_SRCS:%.cc=$(OBJ)/%.o)
$(BUILD)/bench/poller_bench: $(SHIM_SRCS:%.cc=$(OBJ)/%.o)
endif

# A load generator, not a Google Benchmark (bench/httpclient.sh sets it beside wrk).
HTTPCLIENT_LOAD := $(BUILD)/bench/httpclient_load
$(HTTPCLIENT_LOAD): bench/httpclient_load.cc $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  BENCH   $@")
	$(Q)$(CXX) $(ALL_CXXFLAGS) -O3 -DNDEBUG $< $(LIB) $(ALL_LDFLAGS) -o $@

# The parser benchmark compares with Debian's libhttp-parser when it is installed.
ifneq ($(wildcard /usr/include/http_parser.h),)
$(BUILD)/bench/http_parse_bench: BENCH_EXTRA := -DHAVE_HTTP_PARSER
$(BUILD)/bench/http_parse_bench: BENCH_EXTRA_LIBS := -lhttp_parser
endif

# The HTTP server under load: a plain program (no Google Benchmark) driven by wrk.
HTTP_HELLO := $(BUILD)/bench/http_hello
$(HTTP_HELLO): bench/http_hello.cc $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CXX) $(ALL_CXXFLAGS) -O3 -DNDEBUG $< $(LIB) $(ALL_LDFLAGS) -o $@

# Heap allocations per keep-alive request (a plain program that replaces operator new).
HTTP_ALLOCS := $(BUILD)/bench/http_allocs
$(HTTP_ALLOCS): bench/http_allocs.cc $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CXX) $(ALL_CXXFLAGS) -O3 -DNDEBUG $(if $(NO_WEB),,-DBENCH_WEB=1) $< $(LIB) \
	  $(ALL_LDFLAGS) -o $@

# WebSocket load (a plain program): echo round trips, broadcast fan-out, idle memory;
# make bench-websocket runs it against the demos and python3-websockets (bench/websocket.sh).
WEBSOCKET_LOAD := $(BUILD)/bench/websocket_load
$(WEBSOCKET_LOAD): bench/websocket_load.cc $(LIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CXX) $(ALL_CXXFLAGS) -O3 -DNDEBUG $< $(LIB) $(ALL_LDFLAGS) -o $@

bench-websocket: $(WEBSOCKET_LOAD) $(BUILD)/demos/httpbin $(BUILD)/demos/chat
	$(Q)bash bench/websocket.sh $(WEBSOCKET_LOAD) $(BUILD)/demos
	$(Q)$(WEBSOCKET_LOAD) --idle 10000

bench: $(BENCH_BINS) $(HTTP_HELLO) $(HTTP_ALLOCS) $(HTTPCLIENT_LOAD)
	$(Q)for b in $(BENCH_BINS); do $$b $(BENCH_ARGS) || exit 1; done
	$(Q)if command -v wrk >/dev/null; then bash bench/http_wrk.sh $(HTTP_HELLO); \
	  bash bench/httpclient.sh $(HTTP_HELLO) $(HTTPCLIENT_LOAD); \
	  else echo "wrk is missing: skipping the HTTP load runs (apt-get install wrk)"; fi
	$(Q)$(HTTP_ALLOCS) --expect=0
	$(Q)$(if $(NO_WEB),,$(HTTP_ALLOCS) --web --expect=0)

# User-space instructions per request under callgrind, beside nginx (bench/http_instructions.sh).
bench-instructions: $(HTTP_HELLO) $(BUILD)/demos/helloworld
	$(Q)bash bench/http_instructions.sh $(HTTP_HELLO) $(BUILD)/demos/helloworld

bench-peers: $(LIB)
	$(Q)$(MAKE) --no-print-directory -C bench/peers BUILD=$(abspath $(BUILD))/bench/peers \
	  LIB=$(abspath $(LIB)) TOP=$(abspath .)

# The report: every benchmark with JSON output into $(BUILD)/bench, then bench/report.py writes
# $(BUILD)/bench/report.md and its PNG plots (bench/README.md). QUICK=1: fewer sizes and
# repetitions (under 2 minutes). Peers, nginx, wrk, valgrind and gnuplot are installed when
# missing and root; otherwise their columns and plots are skipped with a note.
BENCH_TOOLS   := gnuplot:gnuplot-nox wrk:wrk nginx:nginx valgrind:valgrind
BENCH_HEADERS := ev.h:libev-dev event2/event.h:libevent-dev uv.h:libuv1-dev
ensure-bench-tools:
	@missing=""; \
	for t in $(BENCH_TOOLS); do command -v $${t%%:*} >/dev/null 2>&1 || missing="$$missing $${t#*:}"; done; \
	for h in $(BENCH_HEADERS); do [ -f /usr/include/$${h%%:*} ] || missing="$$missing $${h#*:}"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null 2>&1 \
	      || echo "could not install$$missing: their columns are skipped"; \
	  else echo "missing$$missing (not root): their columns are skipped"; fi; \
	fi

bench-report: $(BENCH_BINS) $(HTTP_HELLO) $(BUILD)/demos/helloworld | ensure-bench-tools
	$(Q)$(MAKE) --no-print-directory -C bench/peers build BUILD=$(abspath $(BUILD))/bench/peers \
	  LIB=$(abspath $(LIB)) TOP=$(abspath .)
	$(Q)QUICK=$(QUICK) OUT=$(BUILD)/bench bash bench/report.sh

# Replaces the marked region of bench/README.md with the last report's tables.
bench-readme:
	$(Q)/usr/bin/python3 bench/report.py --readme bench/README.md $(BUILD)/bench

# --- fuzzing -------------------------------------------------------------------------------------
# libFuzzer targets for the HTTP parsers (clang's runtime: Debian's clang and libclang-rt-14-dev).
#   make fuzz && build/fuzz/request_fuzz tests/fuzz/corpus/request -max_total_time=600
FUZZ_CXX     ?= clang++
FUZZ_TARGETS := request_fuzz chunked_fuzz json_fuzz response_fuzz websocket_fuzz template_fuzz dns_fuzz
FUZZ_SRCS    := http/httputil.cc http/httputil_form.cc http/escape.cc http/http1connection_parse.cc \
                http/json.cc
FUZZ_BINS    := $(FUZZ_TARGETS:%=build/fuzz/%)

ensure-clang:
	@if ! command -v $(FUZZ_CXX) >/dev/null || ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "clang's libFuzzer is missing: installing clang and libclang-rt-14-dev"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libclang-rt-14-dev) >/dev/null \
	      || { echo "could not install clang"; exit 1; }; \
	  else echo "libFuzzer is missing; run: sudo apt-get install clang libclang-rt-14-dev"; exit 1; fi; \
	fi

build/fuzz/%: tests/fuzz/%.cc $(FUZZ_SRCS) | ensure-clang $(INCLUDE_ROOT)/tornado
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(FUZZ_CXX) -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -I$(INCLUDE_ROOT) -I. $< $(FUZZ_SRCS) -o $@

# The response reader runs on a real loop and stream: it needs the library below web/.
# (clang 14's -fsanitize=function cannot compile coroutines: "Cannot represent a difference
# across sections"; the rest of UBSan stays on.)
build/fuzz/response_fuzz: tests/fuzz/response_fuzz.cc $(REACTOR_SRCS) $(GEN_SRCS) $(STREAM_SRCS) $(HTTP_SRCS) | ensure-clang $(INCLUDE_ROOT)/tornado
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(FUZZ_CXX) -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize=function \
	  -I$(INCLUDE_ROOT) -I. $(filter %.cc,$^) -pthread -o $@

# The WebSocket frame reader needs only its own file and the two hashes of the accept key.
build/fuzz/websocket_fuzz: tests/fuzz/websocket_fuzz.cc web/websocket_protocol.cc web/sha1.cc web/sha1_hw.cc http/base64.cc | ensure-clang $(INCLUDE_ROOT)/tornado
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(FUZZ_CXX) -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -I$(INCLUDE_ROOT) -I. $(filter %.cc,$^) -o $@
# The template parser and renderer, over the sources of web/ that they use.
TEMPLATE_FUZZ_SRCS := web/template_lexer.cc web/template_expr.cc web/template_eval.cc \
                      web/template_values.cc web/template_builtins.cc web/template.cc \
                      web/template_loader.cc http/escape.cc http/json.cc http/base64.cc
build/fuzz/template_fuzz: tests/fuzz/template_fuzz.cc $(TEMPLATE_FUZZ_SRCS) | ensure-clang $(INCLUDE_ROOT)/tornado
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(FUZZ_CXX) -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -I$(INCLUDE_ROOT) -I. \
	  $(filter %.cc,$^) -o $@

# The stub resolver's readers are pure functions of one file of stream/.
build/fuzz/dns_fuzz: tests/fuzz/dns_fuzz.cc stream/netutil_dns.cc | ensure-clang $(INCLUDE_ROOT)/tornado
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(FUZZ_CXX) -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -I$(INCLUDE_ROOT) -I. $(filter %.cc,$^) -o $@

fuzz: $(FUZZ_BINS)
	@echo "built: $(FUZZ_BINS) (run each with its corpus: tests/fuzz/corpus/NAME)"

# --- demos, install, format, clean --------------------------------------------------------------
# The main demo: httpbin on 8888 (curl http://127.0.0.1:8888/get).
demo: all
	$(BUILD)/demos/httpbin --port=8888 --address=127.0.0.1 --static_path=demos/static

PUBLIC_HEADERS := $(filter-out reactor/poller.h reactor/waker.h stream/regex.h web/template_internal.h web/template_builtins.h, \
                    $(wildcard reactor/*.h gen/*.h stream/*.h http/*.h $(if $(NO_WEB),,web/*.h)))
install: $(LIB)
	$(Q)install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	  $(DESTDIR)$(PREFIX)/share/man/man3 $(DESTDIR)$(PREFIX)/share/man/man7
	$(Q)install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/
	$(Q)for h in $(PUBLIC_HEADERS); do \
	  install -d $(DESTDIR)$(PREFIX)/include/tornado/$$(dirname $$h); \
	  install -m 644 $$h $(DESTDIR)$(PREFIX)/include/tornado/$$h; done
	$(Q)for m in $(MAN_PAGES); do \
	  install -m 644 $$m $(DESTDIR)$(PREFIX)/share/man/$$(basename $$(dirname $$m))/; done
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' tornado.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/tornado.pc

# Removes exactly what install wrote (and the include/tornado folders it made, once empty).
uninstall:
	$(Q)rm -f $(DESTDIR)$(PREFIX)/lib/libtornado.a $(DESTDIR)$(PREFIX)/lib/pkgconfig/tornado.pc
	$(Q)rm -f $(addprefix $(DESTDIR)$(PREFIX)/include/tornado/,$(PUBLIC_HEADERS))
	$(Q)for m in $(MAN_PAGES); do \
	  rm -f $(DESTDIR)$(PREFIX)/share/man/$$(basename $$(dirname $$m))/$$(basename $$m); done
	$(Q)for d in $(sort $(dir $(PUBLIC_HEADERS))); do \
	  rmdir $(DESTDIR)$(PREFIX)/include/tornado/$$d 2>/dev/null || true; done
	$(Q)rmdir $(DESTDIR)$(PREFIX)/include/tornado 2>/dev/null || true

# Installs into a scratch DESTDIR, builds a program with pkg-config alone, uninstalls.
check-install: $(LIB)
	$(Q)MAKE="$(MAKE)" CXX="$(CXX)" sh tests/check_install.sh $(BUILD)

format:
	$(Q)clang-format -i $$(git ls-files '*.h' '*.cc')

clean:
	rm -rf build

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)
