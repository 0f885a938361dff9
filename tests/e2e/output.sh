#!/usr/bin/env bash
# output.sh HBNNC SCRATCH: -o follows the safe-output rules (compiler/base/output.h) for
# every kind of path: a new path and a regular file get a temporary file + rename with
# the umask's mode; a symlink keeps pointing at its (replaced) target; a FIFO, a UNIX
# socket and a character device are written in place, never renamed over; a directory is refused;
# write errors (a full device, stdout on a full device) are exit 2. Device nodes and
# FIFOs are made in the scratch directory, never under /dev.
set -euo pipefail
hbnnc=$1
scratch=$2
ex=$(cd "$(dirname "$0")/../../examples/digits" && pwd)
rm -rf "$scratch" && mkdir -p "$scratch"
cd "$scratch"
pass=0
ok() { pass=$((pass + 1)); }
die() { echo "FAIL: $*"; exit 1; }
mode() { stat -c %a "$1"; }
# Two digit images of zeros: [2, 64] float32.
/usr/bin/python3 - <<'EOF'
import struct
hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 64), }"
hdr += " " * ((64 - (10 + len(hdr) + 1) % 64) % 64) + "\n"
with open("in.npy", "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode() + b"\0" * 512)
EOF
run() { "$hbnnc" "$ex/digits.hb" --run in.npy -o "$@"; }
no_temps() { ! ls -a "${1:-.}" | grep -q '\.tmp\.' || die "a temporary file was left in ${1:-.}"; }

# A new path: created with 0666 & ~umask.
umask 022
run new.npy
test "$(mode new.npy)" = 644 || die "new file mode $(mode new.npy)"
head -c 6 new.npy | grep -q NUMPY || die "new.npy is not a .npy file"
no_temps && ok
(umask 077 && run new077.npy)
test "$(mode new077.npy)" = 600 || die "umask 077 gave mode $(mode new077.npy)"
ok

# A regular file is replaced (new inode, umask mode, new content).
printf 'old' > reg.npy
chmod 600 reg.npy
ino=$(stat -c %i reg.npy)
run reg.npy
cmp -s reg.npy new.npy || die "reg.npy was not replaced"
test "$(mode reg.npy)" = 644 || die "replaced file mode $(mode reg.npy)"
test "$(stat -c %i reg.npy)" != "$ino" || die "reg.npy was rewritten in place, not renamed"
no_temps && ok

# A symlink stays a symlink; the file it points to is replaced.
mkdir -p sub
printf 'old' > sub/target.npy
ln -s sub/target.npy link.npy
run link.npy
test -L link.npy || die "link.npy is no longer a symlink"
test "$(readlink link.npy)" = sub/target.npy || die "link.npy points elsewhere"
cmp -s sub/target.npy new.npy || die "the symlink's target was not replaced"
no_temps && no_temps sub && ok
# A dangling relative symlink (in a subdirectory): its target is created beside it.
ln -s made.npy sub/dangling.npy
run sub/dangling.npy
test -L sub/dangling.npy && cmp -s sub/made.npy new.npy || die "dangling symlink target not created"
ok

# A FIFO is written in place (a reader process drains it) and stays a FIFO.
mkfifo fifo
cat fifo > fifo.out &
reader=$!
run fifo
wait "$reader"
test -p fifo || die "the FIFO was replaced"
cmp -s fifo.out new.npy || die "the FIFO reader got different bytes"
no_temps && ok

# A UNIX socket is written by connecting to it (a listener saves what it gets).
/usr/bin/python3 - <<'EOF' &
import socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("sock")
s.listen(1)
open("sock.ready", "w").close()
c, _ = s.accept()
with open("sock.out", "wb") as f:
    while True:
        b = c.recv(65536)
        if not b:
            break
        f.write(b)
EOF
listener=$!
for _ in $(seq 100); do test -e sock.ready && break; sleep 0.1; done
run sock
wait "$listener"
test -S sock || die "the socket was replaced"
cmp -s sock.out new.npy || die "the socket listener got different bytes"
no_temps && ok

# A name of 250 characters: the temporary file's name must still fit (NAME_MAX 255).
long=$(printf 'n%.0s' $(seq 246)).npy
run "$long"
cmp -s "$long" new.npy || die "the 250-character name was not written"
no_temps && ok

# A character device (made here, not under /dev) is written in place: a null device
# swallows the data, a full device is a write error with exit 2 and stays a device.
if mknod null c 1 3 2> /dev/null && mknod full c 1 7 2> /dev/null; then
    run null
    test -c null || die "the character device was replaced"
    no_temps && ok
    set +e
    run full 2> full.err
    rc=$?
    set -e
    test "$rc" = 2 || die "writing to a full device exited $rc"
    grep -q "full: error: cannot write the output: No space left on device" full.err ||
        die "full device message: $(cat full.err)"
    test -c full || die "the full device was replaced"
    no_temps && ok
else
    echo "output: skipped the device cases (mknod not permitted)"
fi

# A directory is refused (exit 2) and left alone.
mkdir adir
set +e
run adir 2> dir.err
rc=$?
set -e
test "$rc" = 2 || die "a directory output exited $rc"
grep -q "adir: error: cannot write the output: Is a directory" dir.err || die "$(cat dir.err)"
test -d adir && test -z "$(ls -A adir)" && no_temps && ok

# A missing directory: exit 2, nothing created.
set +e
run nodir/out.npy 2> nodir.err
rc=$?
set -e
test "$rc" = 2 && grep -q "cannot create a temporary file beside the output" nodir.err || die "$(cat nodir.err)"
ok

# Standard output on a full device: --explain, --emit ir, --run and --help are exit 2.
for args in "--explain" "--emit ir" "--run in.npy"; do
    set +e
    # shellcheck disable=SC2086
    "$hbnnc" "$ex/digits.hb" $args > /dev/full 2> stdout.err
    rc=$?
    set -e
    test "$rc" = 2 || die "$args > /dev/full exited $rc"
    grep -q "standard output: error: write error: No space left on device" stdout.err ||
        die "$args > /dev/full: $(cat stdout.err)"
    ok
done
set +e
"$hbnnc" --help > /dev/full 2> /dev/null
rc=$?
set -e
test "$rc" = 2 || die "--help > /dev/full exited $rc"
ok

# --emit ast|ir -o FILE write FILE (not standard output), through the same safe path.
for kind in ir ast; do
    "$hbnnc" "$ex/digits.hb" --emit $kind -o emit.$kind > emit.$kind.stdout
    test -s emit.$kind && test ! -s emit.$kind.stdout || die "--emit $kind -o ignored -o"
    "$hbnnc" "$ex/digits.hb" --emit $kind > emit.$kind.ref
    cmp -s emit.$kind emit.$kind.ref || die "--emit $kind -o FILE differs from its stdout form"
    no_temps && ok
done
# `-o -` is standard output for one stream (--emit), and no file named '-' appears.
"$hbnnc" "$ex/digits.hb" --emit ir -o - > dash.ir
cmp -s dash.ir emit.ir.ref || die "--emit ir -o - did not go to standard output"
"$hbnnc" "$ex/digits.hb" --emit header -o - > dash.h
grep -q "digits_run" dash.h || die "--emit header -o - did not go to standard output"
test ! -e ./- || die "-o - created a file named '-'"
ok
# ... and refused where the output is not one stream; --check -o is refused (exit 2).
refused() { # EXPECTED-MESSAGE ARGS...
    local want=$1 rc
    shift
    set +e
    "$hbnnc" "$ex/digits.hb" "$@" > refused.out 2> refused.err
    rc=$?
    set -e
    test "$rc" = 2 && grep -q -- "$want" refused.err && test ! -e ./- ||
        die "$* exited $rc: $(cat refused.err)"
    ok
}
refused "a shared library with its header cannot be written to standard output" -o -
refused "a Verilog design (a directory) cannot" --target verilog -o -
refused "--run's .npy file cannot" --run in.npy -o -
refused "--check writes nothing, so -o y would be ignored" --check -o y
test ! -e y && ok
echo "output: $pass passed, 0 failed"
