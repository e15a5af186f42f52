/*
 * stagers.yar — encoded payloads decoded straight into a shell or an
 * interpreter's eval: the stager that runs what a scanner of plain text
 * cannot read (echo BASE64 | base64 -d | bash, exec(b64decode(...)),
 * eval(base64_decode(...))). Decoding data is common; handing the decoded
 * bytes to a shell or to eval, without a file in between, is what a
 * stager does. Only non-ELF files (and the run's command line).
 */

rule stager_decode_to_shell
{
    meta:
        tool = "encoded shell stager"
        description = "base64 (or openssl base64) output, or a file decompressed on the fly (zcat, xz -dc, ...), piped or substituted straight into a shell or eval"
        severity = "high"
        category = "exploitation"
    strings:
        $pipe = /base64\s+(-d|-D|--decode|-di|-id)\b[^\n|;&]{0,80}\|\s*(sudo\s+)?(\/usr)?(\/bin\/)?(ba|z|da|k)?sh\b/
        $openssl = /openssl\s+(enc\s+)?-?base64\s+-d\b[^\n|;&]{0,80}\|\s*(\/usr)?(\/bin\/)?(ba|z|da|k)?sh\b/
        $subst = /((ba|z|da|k)?sh\s+-c|eval)\s+["']?\$\(\s*(echo|printf)\s[^\n)]{1,4000}\|\s*base64\s+(-d|-D|--decode)\b/
        $unpack = /\b(zcat|gzcat|xzcat|bzcat|lzcat|zstdcat|(gunzip|gzip|unxz|xz|bunzip2|bzip2|lzma|unlzma|zstd|unzstd)\s+(-[a-zA-Z]+\s+)*-[a-zA-Z]*[dc][a-zA-Z]*)\s[^\n|;&]{0,80}\|\s*(sudo\s+)?(\/usr)?(\/bin\/)?(ba|z|da|k)?sh\b/
        $unpack_subst = /((ba|z|da|k)?sh\s+-c|eval)\s+["']?\$\(\s*(zcat|gzcat|xzcat|bzcat|lzcat|zstdcat|(gunzip|gzip|unxz|xz|bunzip2|bzip2|zstd|unzstd)\s+-[a-zA-Z]*[dc])\s/
    condition:
        uint32be(0) != 0x7f454c46 and any of them
}

rule stager_eval_decoded
{
    meta:
        tool = "encoded script stager"
        description = "an interpreter eval'ing decoded text: Python exec(...b64decode(...)), PHP eval(base64_decode(...)), Perl eval(decode_base64(...)), PowerShell -EncodedCommand"
        severity = "high"
        category = "exploitation"
    strings:
        $python = /exec\s*\(\s*[A-Za-z0-9_.()"' ]{0,80}b(64|32|85)decode\s*\(/
        $php = /eval\s*\(\s*((gzinflate|gzuncompress|gzdecode|str_rot13)\s*\(\s*){0,3}base64_decode\s*\(/ nocase
        $perl = /eval\s*\(?\s*(MIME::Base64::)?decode_base64\s*\(/
        $pwsh = /\bpwsh(\.exe)?\s+([-\/][A-Za-z]{1,16}\s+([A-Za-z]{1,16}\s+)?){0,4}-(e|ec|enc|encodedcommand)\s+[A-Za-z0-9+\/]{20,}={0,2}/ nocase
    condition:
        uint32be(0) != 0x7f454c46 and any of them
}
