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
LIBS_PC  = libconfig jansson libsystemd libgpiod
# libmosquitto is loaded at run time, when MQTT is used (daemon/mosq.c).
CFLAGS_PC = $(LIBS_PC) libmosquitto
CFLAGS  ?= -O2 -g
WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wformat=2 -Wvla
CPPFLAGS += -D_DEFAULT_SOURCE -DLEGWATCH_VERSION='"$(VERSION)"'

ifeq ($(SAN),1)
BUILD   ?= build/san
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
else
BUILD   ?= build
endif

ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) $(CPPFLAGS) \
	     $(shell $(PKG_CONFIG) --cflags $(CFLAGS_PC) 2>/dev/null)
ALL_LIBS   = $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null) -lm -ldl

CORE_SRC = $(filter-out daemon/main.c,$(wildcard daemon/*.c)) \
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
	     libmosquitto-dev libsystemd-dev libgpiod-dev
TEST_PKGS  = $(BUILD_PKGS) libcmocka-dev mosquitto mosquitto-clients openssl \
	     procps tzdata systemd python3-yaml mandoc groff-base chromium \
	     fonts-dejavu-core valgrind
BENCH_PKGS = $(TEST_PKGS) valgrind time gawk
FUZZ_PKGS  = $(BUILD_PKGS) clang libclang-rt-14-dev
FUZZ_SECONDS ?= 600

.PHONY: all deps-build deps-test deps-bench deps-fuzz demo check bench \
	fuzz check-hw check-trixie cross-arm64 check-deb lint soak install \
	uninstall clean

all: $(BUILD)/legwatchd $(TOOLS)

# Installs only what is missing, so it is quick when all is there.
define install_missing
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
	    --no-install-recommends $$missing; \
	fi
endef

deps-build:
	$(call install_missing,$(BUILD_PKGS))
deps-test:
	$(call install_missing,$(TEST_PKGS))
deps-bench:
	$(call install_missing,$(BENCH_PKGS))
deps-fuzz:
	$(call install_missing,$(FUZZ_PKGS))

$(BUILD)/%.o: %.c $(wildcard daemon/*.h sensors/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/liblegwatch.a: $(CORE_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

# libmosquitto's getaddrinfo() is answered by ours (daemon/resolve.c).
$(BUILD)/legwatchd: $(BUILD)/daemon/main.o $(BUILD)/liblegwatch.a
	$(CC) $(LDFLAGS) -Wl,--dynamic-list=daemon/legwatchd.dynlist -o $@ \
	    $^ $(ALL_LIBS)

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

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(MODEL_OBJ) $(BUILD)/liblegwatch.a
	$(CC) $(LDFLAGS) -o $@ $^ $(ALL_LIBS) -lcmocka

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

fuzz: deps-fuzz
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS)

# The GPIO and I2C code against the kernel's gpio-sim and i2c-stub, in a
# small VM booting Debian's own kernel.
check-hw: deps-build
	@$(MAKE) --no-print-directory $(BUILD)/legwatchd
	@sh tests/hw/run.sh $(BUILD)

# The libgpiod 2.x build and the unit tests in a Debian 13 chroot.
check-trixie:
	@sh tests/platform/trixie.sh

# An arm64 build with Debian's cross compiler, unit tests under qemu-user.
cross-arm64:
	@sh tests/platform/cross-arm64.sh

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
install: $(BUILD)/legwatchd
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSCONFDIR)/legwatch \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	    $(DESTDIR)$(TMPFILESDIR)
	install -m 755 $(BUILD)/legwatchd $(DESTDIR)$(SBINDIR)/legwatchd
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
	    $(DESTDIR)$(UNITDIR)/legwatchd.service \
	    $(DESTDIR)$(SYSUSERSDIR)/legwatch.conf \
	    $(DESTDIR)$(TMPFILESDIR)/legwatch.conf \
	    $(MAN8:man/%=$(DESTDIR)$(MANDIR)/man8/%) \
	    $(MAN5:man/%=$(DESTDIR)$(MANDIR)/man5/%)

clean:
	rm -rf build
