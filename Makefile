# legwatch: build, test, install.  `make demo` and `make check` work on a
# fresh Debian 12 / Raspberry Pi OS with only git and make: they install
# the Debian packages they need first (with sudo when not root).

VERSION  = 0.1.0
# make install: PREFIX=/usr for a system-wide install, DESTDIR= to stage
# it (a package, a test).  The unit and the sysusers.d and tmpfiles.d
# snippets go under PREFIX/lib, where systemd looks for them with PREFIX
# /usr/local and /usr alike; with PREFIX=/usr the unit goes where Debian
# 12's packages put theirs, /lib/systemd/system (the same directory as
# /usr/lib/systemd/system on a merged /usr).
PREFIX  ?= /usr/local
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
SYSCONFDIR ?= /etc
ifeq ($(PREFIX),/usr)
UNITDIR ?= /lib/systemd/system
else
UNITDIR ?= $(PREFIX)/lib/systemd/system
endif
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
MANDIR  ?= $(PREFIX)/share/man

CC      ?= cc
PKG_CONFIG ?= pkg-config
LIBS_PC  = libconfig jansson libgpiod
# Only legwatchd-live and the tests link libmosquitto (design.md 2.4).
MQTT_PC  = libmosquitto
CFLAGS_PC = $(LIBS_PC) $(MQTT_PC)
WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wformat=2 -Wvla
# 64-bit file offsets on 32-bit systems too (armhf): recordings past 2 GB,
# and readdir() that does not fail on a 64-bit directory offset (ext4's
# hashes, as qemu-user on a 64-bit kernel hands them over).
CPPFLAGS += -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64 \
	    -DLEGWATCH_VERSION='"$(VERSION)"'

ifeq ($(SAN),1)
BUILD   ?= build/san
# -O2: at -O3, gcc 12's inserted null-pointer checks meet the inliner
# and warn of a null snprintf destination that cannot be null.
CFLAGS  ?= -O2 -g
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
else
BUILD   ?= build
# -O3: the 8 h night's offline analysis 5 % faster than at -O2 (the
# detection's per-sample calls inlined and unrolled), with the same events
# to the bit: C11 contracts no floating-point expression, at any level.
CFLAGS  ?= -O3 -g
endif

# Threads: the replay's read-ahead, and the worker that keeps slow calls
# off the live loop (daemon/worker.h).  -I.: every include names its
# header from the top of the tree ("sensors/sensor.h"), or its own folder.
ALL_CFLAGS = -std=c11 -pthread -I. $(WARN) $(CFLAGS) $(CPPFLAGS) \
	     $(shell $(PKG_CONFIG) --cflags $(CFLAGS_PC) 2>/dev/null)
# EDFlib (the EDF+ writer) has no pkg-config file.
ALL_LIBS   = $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null) -ledf -lm -pthread
MQTT_LIBS  = $(shell $(PKG_CONFIG) --libs $(MQTT_PC) 2>/dev/null)
# EDFlib 1.25 on (Debian 13) times annotations in microseconds and
# deprecates the calls that took 100 us units.
EDF_HR := $(shell printf '\043include <edflib.h>\nint f(void);\nint f(void) { return edfwrite_annotation_latin1_hr(0, 0, 0, ""); }\n' | \
	  $(CC) -std=c11 -Werror=implicit-function-declaration -fsyntax-only \
	  -x c - 2>/dev/null && echo 1)
ifeq ($(EDF_HR),1)
CPPFLAGS += -DLEGWATCH_EDF_HR
endif

CORE_SRC = $(filter-out daemon/main.c daemon/nomqtt.c,$(wildcard daemon/*.c)) \
	   $(filter-out sensors/gpio_v%.c,$(wildcard sensors/*.c)) \
	   sensors/gpio_$(GPIOD_API).c
# libgpiod 2.x changed the whole API: one implementation for each.
GPIOD_API := $(shell $(PKG_CONFIG) --atleast-version=2 libgpiod 2>/dev/null \
	       && echo v2 || echo v1)
CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# In-process stand-ins for chips, linked into every unit test.
MODEL_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/unit/model_*.c))
TOOLS    = $(BUILD)/legsim $(BUILD)/score $(BUILD)/discocheck \
	   $(BUILD)/notifylisten $(BUILD)/silentdns

# Debian packages: to build, and to run the tests and benchmarks.
BUILD_PKGS = gcc libc6-dev make pkg-config libconfig-dev libjansson-dev \
	     libmosquitto-dev libgpiod-dev libedf-dev
TEST_PKGS  = $(BUILD_PKGS) libcmocka-dev mosquitto mosquitto-clients openssl \
	     strace procps tzdata systemd python3-yaml mandoc groff-base chromium \
	     fonts-dejavu-core valgrind biosig-tools
BENCH_PKGS = $(TEST_PKGS) valgrind time gawk
FUZZ_PKGS  = $(BUILD_PKGS) clang libclang-rt-14-dev
FUZZ_SECONDS ?= 600

.PHONY: all deps-build deps-test deps-bench deps-fuzz demo check bench \
	check-replay \
	fuzz check-hw check-trixie cross-arm64 cross-armhf check-deb lint \
	soak install uninstall clean

all: $(BUILD)/legwatchd $(BUILD)/legwatchd-live $(BUILD)/legwatch-probe $(TOOLS)

# Installs only what is missing, so it is quick when all is there;
# tests/apt.sh rides out a mirror in the middle of a sync.
define install_missing
	@sh tests/apt.sh install $(1)
endef

deps-build:
	$(call install_missing,$(BUILD_PKGS))
deps-test:
	$(call install_missing,$(TEST_PKGS))
deps-bench:
	$(call install_missing,$(BENCH_PKGS))
deps-fuzz:
	$(call install_missing,$(FUZZ_PKGS))

# Every header the sources include, the tests' and the probe's too.
HEADERS = $(wildcard core/*.h daemon/*.h sensors/*.h probe/*.h tests/*/*.h)
$(BUILD)/%.o: %.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/liblegwatch.a: $(CORE_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

# legwatchd is the one a person runs; offline it loads no MQTT (nomqtt.o
# goes first, so the archive's mqtt.o is never pulled in), and a run that
# may talk to a broker goes on in legwatchd-live, beside it.
$(BUILD)/legwatchd: $(BUILD)/daemon/main.o $(BUILD)/daemon/nomqtt.o \
    $(BUILD)/liblegwatch.a | $(BUILD)/legwatchd-live
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS)

$(BUILD)/legwatchd-live: $(BUILD)/daemon/main.o $(BUILD)/liblegwatch.a
	$(CC) $(LDFLAGS) -o $@ $^ $(MQTT_LIBS) $(ALL_LIBS)

# The bring-up check for a person at the Pi (legwatch-probe(8)).
$(BUILD)/legwatch-probe: $(BUILD)/probe/legwatch-probe.o $(BUILD)/liblegwatch.a
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS)

$(BUILD)/legsim: $(BUILD)/tests/sim/legsim.o
	$(CC) $(LDFLAGS) -o $@ $^ -lm

$(BUILD)/score: $(BUILD)/tests/sim/score.o
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS)

$(BUILD)/discocheck: $(BUILD)/tests/mqtt/discocheck.o
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS)

$(BUILD)/notifylisten: $(BUILD)/tests/mqtt/notifylisten.o
	$(CC) $(LDFLAGS) -o $@ $^

$(BUILD)/silentdns: $(BUILD)/tests/mqtt/silentdns.o
	$(CC) $(LDFLAGS) -o $@ $^

# -ldl: test_outbox's write() stand-in finds the real one with dlsym().
$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(MODEL_OBJ) $(BUILD)/liblegwatch.a
	$(CC) $(LDFLAGS) -o $@ $^ $(MQTT_LIBS) $(ALL_LIBS) -lcmocka -ldl

demo: deps-build
	@$(MAKE) --no-print-directory $(BUILD)/legwatchd
	@mkdir -p $(BUILD)/sample-night
	@gzip -dc tests/data/sample-night/ankle.csv.gz > $(BUILD)/sample-night/ankle.csv
	@echo "== Events of the bundled sample night (JSON lines) =="
	@$(BUILD)/legwatchd --replay $(BUILD)/sample-night/ankle.csv \
	    --replay tests/data/sample-night/bedroom.csv --events -

check: deps-test
	@$(MAKE) --no-print-directory all $(UNIT_BIN)
	@sh tests/check.sh $(BUILD) $(UNIT_BIN)

bench: deps-bench
	@$(MAKE) --no-print-directory all
	@sh tests/bench.sh $(BUILD)

# Every night of the accuracy check and bench sets replayed fast and paced
# (--speed 1000 and 100000): the same events (about 15 minutes, mostly
# asleep; make check does the check set's nights).
check-replay: deps-test
	@$(MAKE) --no-print-directory all
	@sh tests/replay/run.sh --set bench $(BUILD) $(BUILD)/replay-bench

fuzz: deps-fuzz
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS)

# The GPIO and I2C code against the kernel's gpio-sim and i2c-stub, in a
# small VM booting Debian's own kernel.
check-hw: deps-build
	@$(MAKE) --no-print-directory $(BUILD)/legwatchd $(BUILD)/legwatch-probe
	@sh tests/hw/run.sh $(BUILD)

# The libgpiod 2.x build and the unit tests in a Debian 13 chroot.
check-trixie:
	@sh tests/platform/trixie.sh

# arm64 and armhf (32-bit time_t) builds with Debian's cross compiler,
# unit tests under qemu-user, and the Debian package for each.
cross-arm64 cross-armhf:
	@sh tests/platform/cross.sh $(@:cross-%=%)

# Not in CI: an 8 h night at 90x with the broker restarted every 20 s and
# the daemon killed four times: nothing lost, memory and descriptors flat.
soak: deps-bench
	@$(MAKE) --no-print-directory all
	@sh tests/soak/run.sh $(BUILD) $(BUILD)/soak

# cppcheck and clang-tidy (the static analyzer, bugprone), both clean.
lint: deps-build
	@sh tests/lint.sh

# The Debian package: built, linted, installed into a clean Debian 12
# chroot, removed and purged.
check-deb:
	@sh tests/platform/deb.sh

# Never chown or add users here (a DESTDIR install runs unprivileged):
# systemd-sysusers and systemd-tmpfiles apply the snippets on the target.
# A user's configuration is never overwritten, nor removed by uninstall.
MAN8 = $(wildcard man/*.8)
MAN5 = $(wildcard man/*.5)
install: $(BUILD)/legwatchd $(BUILD)/legwatchd-live $(BUILD)/legwatch-probe
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSCONFDIR)/legwatch \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	    $(DESTDIR)$(TMPFILESDIR)
	install -m 755 $(BUILD)/legwatchd $(DESTDIR)$(SBINDIR)/legwatchd
	install -m 755 $(BUILD)/legwatchd-live \
	    $(DESTDIR)$(SBINDIR)/legwatchd-live
	install -m 755 $(BUILD)/legwatch-probe \
	    $(DESTDIR)$(SBINDIR)/legwatch-probe
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    systemd/legwatchd.service.in > $(DESTDIR)$(UNITDIR)/legwatchd.service
	chmod 644 $(DESTDIR)$(UNITDIR)/legwatchd.service
	install -m 644 systemd/legwatch.sysusers \
	    $(DESTDIR)$(SYSUSERSDIR)/legwatch.conf
	install -m 644 systemd/legwatch.tmpfiles \
	    $(DESTDIR)$(TMPFILESDIR)/legwatch.conf
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/legwatch/legwatchd.conf ]; then \
	  echo "keeping $(DESTDIR)$(SYSCONFDIR)/legwatch/legwatchd.conf"; \
	else \
	  install -m 644 conf/legwatchd.conf \
	    $(DESTDIR)$(SYSCONFDIR)/legwatch/legwatchd.conf; fi
ifneq ($(MAN8),)
	install -d $(DESTDIR)$(MANDIR)/man8
	install -m 644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/
	ln -sf legwatchd.8 $(DESTDIR)$(MANDIR)/man8/legwatchd-live.8
endif
ifneq ($(MAN5),)
	install -d $(DESTDIR)$(MANDIR)/man5
	install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/
endif
	@if [ -z "$(DESTDIR)" ]; then \
	  echo "next, as root: systemd-sysusers $(SYSUSERSDIR)/legwatch.conf"; \
	  echo "  systemd-tmpfiles --create $(TMPFILESDIR)/legwatch.conf"; \
	  echo "  systemctl daemon-reload; systemctl enable --now legwatchd"; fi

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/legwatchd \
	    $(DESTDIR)$(SBINDIR)/legwatchd-live \
	    $(DESTDIR)$(SBINDIR)/legwatch-probe \
	    $(DESTDIR)$(UNITDIR)/legwatchd.service \
	    $(DESTDIR)$(SYSUSERSDIR)/legwatch.conf \
	    $(DESTDIR)$(TMPFILESDIR)/legwatch.conf \
	    $(MAN8:man/%=$(DESTDIR)$(MANDIR)/man8/%) \
	    $(DESTDIR)$(MANDIR)/man8/legwatchd-live.8 \
	    $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%)

clean:
	rm -rf build
