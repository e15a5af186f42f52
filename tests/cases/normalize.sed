# Applied (LC_ALL=C sed -f) to a case's stdout before it is compared with
# its golden file, after the runner has turned every placeholder's value
# (temporary directories, the build and source trees) back into @NAME@.
# What is left here varies between runs or machines:
#
# how long the scan took
s/"duration_ms": [0-9][0-9]*/"duration_ms": 0/g
s/, [0-9][0-9]* ms$/, 0 ms/
# how many layers the facts cache answered (depends on what ran before)
s/"cached_layers": [0-9][0-9]*/"cached_layers": 0/g
s/ ([0-9][0-9]* from cache)/ (0 from cache)/
# digests: the fixture builder is deterministic, but compressed layer bytes
# (and so every digest above them) depend on the zlib/zstd version
s/sha256:[0-9a-f]\{64\}/sha256:<digest>/g
s/sha256:[0-9a-f]\{12\}…/sha256:<digest>…/g
# RFC 3339 timestamps (attestations, expiry)
s/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\(\.[0-9]*\)\{0,1\}Z/<time>/g
s/[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\(\.[0-9]*\)\{0,1\}[+-][0-9][0-9]:[0-9][0-9]/<time>/g
# SARIF fingerprints hash the repository, which for oci: holds a temporary path
s/"portcullis\/v1": "[0-9a-f]\{64\}"/"portcullis\/v1": "<fingerprint>"/g
