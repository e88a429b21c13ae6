# SPDX-License-Identifier: MIT
# scripts/coverage.sh: the lines of stack/ never run (lcov's stack.info),
# one line per function with its line numbers and the reason of
# conformance/coverage-notes.tsv (N), or "no reason written".
# R is the repository's root, removed from the paths.
BEGIN {
	FS = "\t"
	while ((getline line < N) > 0) {
		if (line ~ /^#/ || line == "") continue
		split(line, f, "\t")
		why[f[1] "\t" f[2]] = f[3]
	}
	close(N)
	FS = ","
}
/^SF:/ { file = substr($0, 4); sub("^" R "/", "", file); nfn = 0; next }
/^FN:/ { nfn++; fl[nfn] = substr($1, 4) + 0; fnm[nfn] = $2; next }
/^DA:/ {
	if ($2 + 0 != 0) next
	ln = substr($1, 4) + 0; best = "?"; bl = 0
	for (i = 1; i <= nfn; i++)
		if (fl[i] <= ln && fl[i] >= bl) { bl = fl[i]; best = fnm[i] }
	k = file "\t" best
	if (!(k in lines)) order[++n] = k
	lines[k] = lines[k] " " ln
	total++
	next
}
/^end_of_record/ { nfn = 0 }
END {
	printf "# Lines of stack/ that nothing ran: %d, in %d functions.\n", total, n
	printf "# file\tfunction\tlines\treason (conformance/coverage-notes.tsv)\n"
	for (i = 1; i <= n; i++) {
		k = order[i]
		r = (k in why) ? why[k] : "no reason written"
		if (!(k in why)) missing++
		sub(/^ /, "", lines[k])
		printf "%s\t%s\t%s\n", k, lines[k], r
	}
	if (missing) printf "# %d functions without a reason\n", missing
}
