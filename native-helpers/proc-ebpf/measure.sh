#!/bin/bash
# Idle and storm cost of two builds of this helper side by side, under the same background load.
# usage (root): ./measure.sh OLD_BINARY NEW_BINARY [EXECS=20000] [IDLE_SECONDS=30]
# Prints CPU (utime+stime ticks), context switches and VmRSS over the idle window, then for a storm
# of /bin/true execs from a bash loop: exec events seen by each, the drop lines' counts, CPU, wakeups.
set -u
OLD=$1; NEW=$2; N=${3:-20000}; IDLE=${4:-30}
D=$(mktemp -d /tmp/mamori-measure-XXXXXX)
"$OLD" > "$D/old.ndjson" 2>"$D/old.err" & PO=$!
"$NEW" > "$D/new.ndjson" 2>"$D/new.err" & PN=$!
trap 'kill $PO $PN 2>/dev/null' EXIT
sleep 4
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
csw() { awk '/^voluntary_ctxt_switches/{v=$2} /^nonvoluntary_ctxt_switches/{n=$2} END{print v+n}' "/proc/$1/status"; }
rss() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }
co=$(cpu $PO); cn=$(cpu $PN); wo=$(csw $PO); wn=$(csw $PN); l0=$(wc -l < "$D/new.ndjson")
sleep "$IDLE"
echo "idle ${IDLE}s ($(( $(wc -l < "$D/new.ndjson") - l0 )) background events; ticks of $(getconf CLK_TCK)/s):"
echo "  old: cpu_ticks=$(( $(cpu $PO) - co )) ctxt_switches=$(( $(csw $PO) - wo )) VmRSS=$(rss $PO) kB"
echo "  new: cpu_ticks=$(( $(cpu $PN) - cn )) ctxt_switches=$(( $(csw $PN) - wn )) VmRSS=$(rss $PN) kB"
M="mamori-storm-$$"
co=$(cpu $PO); cn=$(cpu $PN); wo=$(csw $PO); wn=$(csw $PN); t0=$(date +%s.%N)
bash -c "for ((i=0;i<$N;i++)); do /bin/true $M \$i; done"
t1=$(date +%s.%N); sleep 1
echo "storm: $N execs in $(echo "$t1 - $t0" | bc) s"
echo "  old: cpu_ticks=$(( $(cpu $PO) - co )) ctxt_switches=$(( $(csw $PO) - wo ))"
echo "  new: cpu_ticks=$(( $(cpu $PN) - cn )) ctxt_switches=$(( $(csw $PN) - wn ))"
kill -TERM $PO $PN; wait $PO $PN
for w in old new; do
	ex=$(grep -c "\"argv\":\[\"/bin/true\",\"$M\"" "$D/$w.ndjson")
	dr=$(grep '"type":"drop"' "$D/$w.ndjson" | grep -o '"count":[0-9]*' | cut -d: -f2 | paste -sd+ | bc)
	echo "  $w: exec events=$ex drops=${dr:-0}"
done
rm -rf "$D"
