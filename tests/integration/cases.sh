# Integration: every tests/cases/*.case (tests/cases/README.md), run by
# tests/cases/run.sh: a command, its exit status, jq assertions on its
# output, and golden reports.
exec sh "$PC_ROOT/tests/cases/run.sh"
