# Helpers for the `json:` lines of tests/cases/*.case: the runner runs each
# expression as `jq -L tests/cases -e 'include "cases"; EXPRESSION'`. Each
# takes the scan report (portcullis.scan/v1) and looks at its first image.

# the first image's findings
def findings: .reports[0].findings;
# the first image's findings of check $c, as an array
def found($c): [findings[] | select(.check == $c)];
# at least one finding of check $c whose path (or "") matches regex $re
def finding_at($c; $re): [findings[] | select(.check == $c and (.path // "" | test($re)))] | length >= 1;
# exactly one finding of check $c, and its message matches regex $re
def one_finding($c; $re): found($c) | length == 1 and (.[0].message | test($re));
# no finding of check $c
def no_finding($c): found($c) | length == 0;
