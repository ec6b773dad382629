#!/usr/bin/env bash
# tools/check_includes.sh: the rooms' include rules, checked from the #include lines alone.
#
#     tools/check_includes.sh            (from anywhere; exits 1 and names each break)
#
# Two things are checked, over every .hpp/.cpp under runtime/, net/ and http/:
#
# 1. No include circle between any two files, counting a header and its .cpp as one unit
#    ("module": runtime/task = task.hpp + task.cpp). The unit graph (A -> B when a file of A
#    includes B's header) must have no cycle; tsort(1) finds one if there is. This is the
#    stricter reading: event_loop.cpp including task.hpp while task.hpp includes
#    event_loop.hpp is a circle between event_loop and task, though no header includes itself.
#
# 2. Each room includes only the rooms below it (README "The rooms"):
#      runtime/ (the core)   not runtime/observe/ or runtime/trace/: the core includes no
#                            observer (loop_observer.hpp is the door); runtime/looplab.hpp,
#                            the umbrella header, may include every room of the runtime but
#                            those two
#      runtime/<room>/       not runtime/trace/ (the exporters), except runtime/trace/ itself
#      net/...               not http/ and not runtime/trace/
#      http/proto/           only http/proto/ and the standard library: the sans-I/O rule
#      http/codings/         only http/codings/ and http/proto/ (sans-I/O too; zlib, brotli)
#      http/idna/            only http/idna/ and http/proto/ (libidn2)
#      http/client/          not http/server/ and not runtime/trace/
#      http/server/          not http/client/ and not runtime/trace/
set -euo pipefail
cd "$(dirname "$0")/.."

files=$(find runtime net http -name '*.hpp' -o -name '*.cpp' | sort)
fail=0
report() { echo "check_includes: $*" >&2; fail=1; }

# quoted includes of one file, one per line
includes_of() { sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$1"; }

# ---- 1. no circle between units -----------------------------------------------------------
edges=$(mktemp)
trap 'rm -f "$edges"' EXIT
for f in $files; do
    unit="${f%.*}"
    echo "$unit $unit" >> "$edges"  # every unit is a node, even one with no edge
    for inc in $(includes_of "$f"); do
        target="${inc%.*}"
        [ "$target" = "$unit" ] && continue
        [ -e "$inc" ] || continue  # a generated or system header: not a unit of ours
        echo "$unit $target" >> "$edges"
    done
done
if ! tsort "$edges" > /dev/null 2> "$edges.err"; then
    report "include circle between units (a header and its .cpp count as one):"
    sed 's/^tsort: /  /' "$edges.err" >&2
fi
rm -f "$edges.err"

# ---- 2. rooms include only the rooms below them -------------------------------------------
for f in $files; do
    dir="${f%/*}"
    for inc in $(includes_of "$f"); do
        case "$dir" in
            runtime)
                if [ "$f" != runtime/looplab.hpp ] && [[ "$inc" == runtime/*/* ]] &&
                   [[ "$inc" != runtime/selector/* && "$inc" != runtime/executor/* ]]; then
                    report "$f includes $inc: the core includes only runtime/, runtime/selector/ and runtime/executor/"
                fi
                [[ "$inc" == runtime/observe/* || "$inc" == runtime/trace/* ]] &&
                    report "$f includes $inc: the core includes no observer (runtime/loop_observer.hpp is the door)"
                ;;
            runtime/trace) ;;
            runtime/*)
                [[ "$inc" == runtime/trace/* ]] && report "$f includes $inc: only demos and tests use the exporters"
                ;;
            http/proto | http/proto/*)
                [[ "$inc" == http/proto/* ]] ||
                    report "$f includes $inc: http/proto/ is sans-I/O and includes only itself"
                ;;
            http/codings)
                [[ "$inc" == http/codings/* || "$inc" == http/proto/* ]] ||
                    report "$f includes $inc: http/codings/ is sans-I/O and includes only itself and http/proto/"
                ;;
            http/idna)
                [[ "$inc" == http/idna/* || "$inc" == http/proto/* ]] ||
                    report "$f includes $inc: http/idna/ includes only itself and http/proto/"
                ;;
            http/client)
                [[ "$inc" == http/server/* ]] && report "$f includes $inc: the client does not know the server"
                ;;
            http/server)
                [[ "$inc" == http/client/* ]] && report "$f includes $inc: the server does not know the client"
                ;;
            net | net/*)
                [[ "$inc" == http/* ]] && report "$f includes $inc: net/ is below http/"
                ;;
        esac
        case "$dir" in
            runtime/trace) ;;
            *) [[ "$inc" == runtime/trace/* ]] && report "$f includes $inc: only demos and tests use the exporters" ;;
        esac
        [[ "$dir" == runtime || "$dir" == runtime/* ]] && [[ "$inc" == net/* || "$inc" == http/* ]] &&
            report "$f includes $inc: runtime/ knows nothing of sockets or HTTP"
    done
done

if [ $fail -ne 0 ]; then exit 1; fi
echo "check_includes: $(echo "$files" | wc -l) files: no include circle, every room includes only the rooms below it"
