#!/usr/bin/env bash
# The package test: builds the .deb files with CPack, checks them with lintian, appstreamcli and
# desktop-file-validate, installs them with apt-get into a fresh Debian 12 root made by
# debootstrap (none of the build dependencies there), runs the demo with the installed engine,
# takes a screenshot of the installed app under Xvfb, purges both packages and checks that none
# of their files remain.
# It needs root (debootstrap, chroot, mounts) and the Debian mirror, and takes minutes, so it runs
# only with SWITCHYARD_REQUIRE_PACKAGE=1 (scripts/test --package, which installs its tools) and
# says SKIP otherwise (exit 77).
# Usage: package_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
work=$build/package-test  # the debootstrap tarball is cached here; the screenshot lands here
suite=bookworm
started=$SECONDS

skip() {
  echo "SKIP: package test: $*"
  exit 77
}
fail() {
  echo "error: package test: $*" >&2
  exit 1
}
step() { echo "=== $* ($((SECONDS - started)) s)"; }

[ "${SWITCHYARD_REQUIRE_PACKAGE:-}" = 1 ] ||
  skip "runs with scripts/test --package (root, debootstrap and the Debian mirror; minutes)"
[ "$(id -u)" -eq 0 ] || skip "debootstrap and chroot need root; run scripts/test --package as root"
for tool in cpack debootstrap lintian appstreamcli desktop-file-validate dpkg-shlibdeps readelf; do
  command -v "$tool" >/dev/null || fail "$tool is missing (scripts/test --package installs it)"
done

# The Debian mirror this machine's apt uses (deb822 URIs: or a one-line deb entry).
mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list \
  2>/dev/null | sed -n -e 's/^URIs: *\([^ ]*\/debian\)\/\{0,1\}$/\1/p' \
  -e 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\/debian\)\/\{0,1\} .*/\2/p' | head -n 1 || true)
mirror=${mirror:-http://deb.debian.org/debian}

# --- the packages ---------------------------------------------------------------------------------

mkdir -p "$work"
step "cpack -G DEB in $build"
for page in switchyard-engine switchyard; do
  [ -f "$build/packaging/man/$page.1.gz" ] ||
    fail "no $build/packaging/man/$page.1.gz: install help2man, then configure and build again"
done
rm -f "$build"/switchyard_*.deb "$build"/switchyard-engine_*.deb
(cd "$build" && cpack -G DEB >"$work/cpack.log" 2>&1) || {
  cat "$work/cpack.log"
  fail "cpack failed"
}
engine_deb=$(ls "$build"/switchyard-engine_*.deb)
gui_deb=$(ls "$build"/switchyard_*.deb)
echo "built $(basename "$engine_deb") $(basename "$gui_deb")"

step "lintian"
# Errors fail the test; warnings and notes are printed (docs say which are left and why).
lintian --display-info --fail-on error "$engine_deb" "$gui_deb" ||
  fail "lintian reports errors"

unpacked=$(mktemp -d)
root=""
mounts=()
cleanup() {
  # Unmount in reverse order; a root still mounted is never deleted.
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    umount "${mounts[i]}" 2>/dev/null || umount -l "${mounts[i]}" || true
  done
  rm -rf "$unpacked"
  if [ -n "$root" ] && ! grep -q " $root/" /proc/mounts; then
    rm -rf "$root"
    echo "removed the root ($((SECONDS - started)) s)"
  fi
}
trap cleanup EXIT

dpkg-deb -x "$gui_deb" "$unpacked"
step "appstreamcli validate --no-net"
appstreamcli validate --no-net "$unpacked/usr/share/metainfo/io.switchyard.Switchyard.metainfo.xml" ||
  fail "the AppStream metainfo does not validate"
step "desktop-file-validate"
desktop-file-validate "$unpacked/usr/share/applications/switchyard.desktop" ||
  fail "the desktop entry does not validate"
echo "desktop-file-validate: no errors"

# --- a fresh Debian 12 root ------------------------------------------------------------------------

tarball=$work/debootstrap-$suite-minbase.tgz
if [ ! -f "$tarball" ]; then
  step "debootstrap --make-tarball (cached for the next run) from $mirror"
  debootstrap --variant=minbase --make-tarball="$tarball.tmp" "$suite" "$work/tarball-work" \
    "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -n 20 "$work/debootstrap.log"
    fail "debootstrap --make-tarball failed"
  }
  mv "$tarball.tmp" "$tarball"
fi
root=$work/root
rm -rf "$root"
step "debootstrap --unpack-tarball into $root"
debootstrap --variant=minbase --unpack-tarball="$tarball" "$suite" "$root" "$mirror" \
  >"$work/debootstrap.log" 2>&1 || {
  tail -n 20 "$work/debootstrap.log"
  fail "debootstrap failed"
}
mount -t proc proc "$root/proc" && mounts+=("$root/proc")
mount --bind /dev "$root/dev" && mounts+=("$root/dev")
mount --bind /dev/pts "$root/dev/pts" && mounts+=("$root/dev/pts")
# Downloaded packages are kept between runs (~270 MB; the root itself is made fresh each time).
mkdir -p "$work/apt-archives"
mount --bind "$work/apt-archives" "$root/var/cache/apt/archives" &&
  mounts+=("$root/var/cache/apt/archives")
cp /etc/resolv.conf "$root/etc/resolv.conf"
# The same archive as this machine (updates and security too), so versions match the build's.
rm -f "$root/etc/apt/sources.list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
  [ -f "$f" ] && cp "$f" "$root$f"
done
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"  # no services start in the root
chmod 755 "$root/usr/sbin/policy-rc.d"
in_root() { chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }

for p in cmake g++ libtorch-dev qt6-base-dev libqcustomplot-dev libsqlite3-dev libtorch1.13; do
  if in_root dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    fail "the fresh root already has $p"
  fi
done
step "apt-get update in the root"
in_root apt-get update -qq
mkdir -p "$root/tmp/debs"
cp "$engine_deb" "$gui_deb" "$root/tmp/debs/"
engine_file=/tmp/debs/$(basename "$engine_deb")

# --- the engine alone, as on a cluster node ---------------------------------------------------------

step "apt-get install ./$(basename "$engine_deb")"
in_root apt-get install -y -q "$engine_file" >"$work/install-engine.log" 2>&1 || {
  tail -n 30 "$work/install-engine.log"
  fail "the engine package does not install"
}
# Nothing of the desktop app comes with it: no Qt 6, no QCustomPlot, and the engine links no Qt.
# (Debian's libtorch1.13 itself depends on OpenCV, whose libopencv-highgui406 brings Qt 5, X11
# and GL; a CUDA LibTorch from elsewhere does not.)
desktop=$(in_root dpkg-query -W -f='${Package}\n' | grep -E '^(libqt6|qt6-|libqcustomplot)' || true)
[ -z "$desktop" ] || fail "the engine package pulled in the app's libraries: $(echo "$desktop" | xargs)"
if dpkg-deb -f "$engine_deb" Depends | grep -i 'qt' ||
  readelf -d "$root/usr/bin/switchyard-engine" | grep -i 'NEEDED.*libqt'; then
  fail "the engine package depends on Qt, or its binary links it"
fi
echo "the engine installed without the app's libraries ($(in_root dpkg-query -W -f='${Package}\n' | wc -l) packages in the root)"
man_pages=$(in_root sh -c 'ls /usr/share/man/man1/switchyard-engine.1.gz')
echo "manual page: $man_pages"

step "switchyard-engine run --demo --quick in the root"
in_root sh -c 'cd /root && switchyard-engine run --demo --quick' >"$work/demo.log" 2>&1 || {
  tail -n 30 "$work/demo.log"
  fail "switchyard-engine run --demo --quick failed in the installed root"
}
tail -n 12 "$work/demo.log"
grep -q "total wall time" "$work/demo.log" || fail "the demo printed no comparison table"

# --- the desktop app ---------------------------------------------------------------------------

step "apt-get install ./$(basename "$gui_deb")"
in_root sh -c "cd /tmp/debs && apt-get install -y -q ./$(basename "$gui_deb")" \
  >"$work/install-gui.log" 2>&1 || {
  tail -n 30 "$work/install-gui.log"
  fail "the app package does not install"
}
grep -E "^(Setting up|Unpacking) switchyard" "$work/install-gui.log" || true

step "switchyard under Xvfb for a screenshot"
# Xvfb is ours to add for the test, not a dependency of the package.
in_root apt-get install -y -q --no-install-recommends xvfb xauth >"$work/install-xvfb.log" 2>&1 || {
  tail -n 30 "$work/install-xvfb.log"
  fail "cannot install xvfb in the root"
}
shot=$build/package-test-switchyard.png
rm -f "$shot"
in_root sh -c 'cd /root && timeout 120 xvfb-run -a -s "-screen 0 1600x1000x24" \
  switchyard --screenshot /tmp/switchyard.png' >"$work/gui.log" 2>&1 || {
  cat "$work/gui.log"
  fail "switchyard did not start and save a screenshot under Xvfb"
}
cp "$root/tmp/switchyard.png" "$shot"
echo "screenshot: $shot (first start: the offer to open the demo)"
# The installed demo opens in the designer, as File > Open demo opens it.
shot_demo=$build/package-test-switchyard-demo.png
in_root sh -c 'cd /root && timeout 120 xvfb-run -a -s "-screen 0 1600x1000x24" \
  switchyard --tab experiment --screenshot /tmp/switchyard-demo.png \
  /usr/share/switchyard/experiments/demo.json' >"$work/gui-demo.log" 2>&1 || {
  cat "$work/gui-demo.log"
  fail "switchyard did not open the installed demo under Xvfb"
}
cp "$root/tmp/switchyard-demo.png" "$shot_demo"
echo "screenshot: $shot_demo (the installed demo in the designer)"

# --- purge ------------------------------------------------------------------------------------------

step "apt-get purge switchyard switchyard-engine"
in_root apt-get purge -y -q switchyard switchyard-engine >"$work/purge.log" 2>&1 || {
  tail -n 30 "$work/purge.log"
  fail "apt-get purge failed"
}
# Every file the packages held, and the folders only they use (shared ones such as /usr/share/man
# stay, as they should).
left=""
for path in $(dpkg-deb --fsys-tarfile "$engine_deb" | tar -t; dpkg-deb --fsys-tarfile "$gui_deb" | tar -t) \
  /usr/share/switchyard /usr/share/doc/switchyard /usr/share/doc/switchyard-engine; do
  path=${path#.}
  if [ "${path%/}" = "$path" ] && [ -e "$root$path" ]; then left="$left $path"; fi
done
[ -z "$left" ] || fail "files of ours remain after the purge:$left"
echo "no files of switchyard or switchyard-engine remain"

step "passed"
