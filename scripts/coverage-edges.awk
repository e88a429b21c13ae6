# SPDX-License-Identifier: MIT
# scripts/coverage.sh: joins conformance/edges.tsv with the edge counts of
# the unit tests (T), the vectors (V) and the fuzz corpora (F), files of
# "Eddd COUNT" lines, into the table transitions.txt. An edge of kind "sec"
# (security/compartment, which the reference does not implement) is "n/a".
# N names conformance/edges-notes.tsv: a reason per edge, shown in the last
# column; an edge nothing took whose reason starts with "unreachable" is
# counted apart from the reachable ones.
function load(file, arr,    line, f) {
	while ((getline line < file) > 0) {
		split(line, f, " ")
		arr[f[1]] += f[2]
	}
	close(file)
}
BEGIN {
	FS = "\t"
	load(T, t); load(V, v); load(F, z)
	while ((getline line < N) > 0) {
		if (line ~ /^#/ || line == "") continue
		split(line, nf, "\t")
		note[nf[1]] = nf[2]
	}
	close(N)
}
/^#/ || NF < 6 { next }
{
	id = $1
	st = $6 == "sec" ? "n/a" : v[id] > 0 ? "vector" : z[id] > 0 ? "fuzz-only" : t[id] > 0 ? "test-only" : note[id] ~ /^unreachable/ ? "unreachable" : "never"
	if (st == "unreachable") unr++
	if (st != "n/a" && st != "unreachable") {
		app++
		if (st != "never") taken++
		cnt[st]++
	}
	row[++n] = sprintf("%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s", id, $2, $3, $4, $6, t[id], v[id], z[id], st, note[id])
	if (st == "never") nev = nev " " id
}
END {
	printf "# RFC 9293 state-machine edges (conformance/edges.tsv) and what took them:\n"
	printf "# tests = ctest, vectors = the suite on the reference, fuzz = the corpora.\n"
	printf "# summary: %d of %d reachable edges taken (%d by a vector, %d by fuzz inputs only, %d by unit tests only; %d unreachable, %d not applicable)\n", taken, app, cnt["vector"], cnt["fuzz-only"], cnt["test-only"], unr, n - app - unr
	printf "# never taken:%s\n", nev == "" ? " none" : nev
	printf "# id\tfrom\tevent\tto\tkind\ttests\tvectors\tfuzz\tstatus\tnote\n"
	for (i = 1; i <= n; i++)
		print row[i]
	printf "-\t\tstate changes no edge fits (ICMP, keep-alive, data after close)\t\t\t%d\t%d\t%d\t\t\n", t["E000"], v["E000"], z["E000"]
}
