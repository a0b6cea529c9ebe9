# strip_comments.awk - print C source with its comments blanked out.
#
# Used by tests/check_*.sh. Every input line gives exactly one output line
# (so line numbers survive); /* */ and // comments become spaces; string and
# character literals are kept as they are, so "/*" inside a string is not
# taken for a comment. Good enough for lint counting, not a C lexer:
# backslash-newline continuations inside // comments are not followed.
{
	out = ""
	n = length($0)
	i = 1
	while (i <= n) {
		c = substr($0, i, 1)
		d = substr($0, i, 2)
		if (incomment) {
			if (d == "*/") {
				incomment = 0
				out = out "  "
				i += 2
			} else {
				out = out " "
				i++
			}
			continue
		}
		if (quote != "") {
			out = out c
			if (c == "\\") {
				out = out substr($0, i + 1, 1)
				i += 2
				continue
			}
			if (c == quote)
				quote = ""
			i++
			continue
		}
		if (d == "/*") {
			incomment = 1
			out = out "  "
			i += 2
			continue
		}
		if (d == "//")
			break
		if (c == "\"" || c == "'")
			quote = c
		out = out c
		i++
	}
	quote = ""
	print out
}
