# SPDX-License-Identifier: MIT
# scripts/coverage.sh: transitions.txt to a Graphviz graph of the RFC 9293
# state machine. The edges between two states are drawn as one arrow that
# lists their IDs, each in the colour of what took it (a vector, fuzz inputs
# only, unit tests only, never: red, not applicable or unreachable: grey);
# the arrow is
# green when all of them were taken, red and dashed when none was, amber
# when some were. The edges from a state to itself are one loop per state.
# CLOSED is drawn twice: at the top where connections start and at the
# bottom where they end, so that the edges into it do not cross the graph.
# -v TITLE=... puts a title above it.
function colour(s) {
	return s == "vector" ? "#1a7f37" : s == "fuzz-only" ? "#0969da" : s == "test-only" ? "#8250df" : s == "never" ? "#cf222e" : "#8c959f"
}
/^#/ || $1 == "-" || NF < 9 { next }
{
	to = $4 == "CLOSED" && $2 != "CLOSED" ? "CLOSED-end" : $4
	k = $2 SUBSEP to
	if (!(k in lab)) { order[++np] = k; from[k] = $2; dest[k] = to }
	n = ++cnt[k]
	lab[k] = lab[k] sprintf("<font color=\"%s\">%s</font>%s", colour($9), $1, n % 3 == 0 ? "<br/>" : " ")
	tip[k] = tip[k] sprintf("%s %s: %s; ", $1, $9, $3)
	if ($9 == "never") nev[k]++
	else if ($9 != "n/a" && $9 != "unreachable") tak[k]++
	hits[k] += $6 + $7 + $8
}
END {
	print "digraph rfc9293 {"
	print "  graph [rankdir=TB, fontname=\"Helvetica\", nodesep=0.4, ranksep=0.55];"
	if (TITLE != "") {
		gsub(/"/, "\\\"", TITLE)
		printf "  label=\"%s\"; labelloc=t; fontsize=16;\n", TITLE
	}
	print "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f6f8fa\", fontname=\"Helvetica\", fontsize=16];"
	print "  edge [fontname=\"Helvetica\", fontsize=13, arrowsize=0.7];"
	print "  { rank=source; \"CLOSED\"; }"
	print "  { rank=same; \"LISTEN\"; \"SYN-SENT\"; }"
	print "  { rank=same; \"FIN-WAIT-1\"; \"CLOSE-WAIT\"; }"
	print "  { rank=same; \"FIN-WAIT-2\"; \"CLOSING\"; \"LAST-ACK\"; }"
	print "  \"CLOSED-end\" [label=\"CLOSED\", fillcolor=\"#eaeef2\"];"
	print "  { rank=sink; \"CLOSED-end\"; }"
	for (i = 1; i <= np; i++) {
		k = order[i]
		c = tak[k] == 0 && nev[k] > 0 ? "#cf222e" : nev[k] > 0 ? "#bf8700" : tak[k] > 0 ? "#1a7f37" : "#8c959f"
		st = tak[k] == 0 && nev[k] > 0 ? "dashed" : tak[k] == 0 ? "dotted" : "solid"
		w = hits[k] > 0 ? 1 + log(hits[k]) / log(10) / 3 : 1
		if (from[k] == dest[k])
			printf "  \"%s\" -> \"%s\" [label=<%s>, color=\"#57606a\", arrowsize=0.4, tooltip=\"%s\"];\n", from[k], dest[k], lab[k], tip[k]
		else
			printf "  \"%s\" -> \"%s\" [label=<%s>, color=\"%s\", style=%s, penwidth=%.1f, tooltip=\"%s\"];\n", from[k], dest[k], lab[k], c, st, w, tip[k]
	}
	print "}"
}
