/*
 * droppers.yar — shell scripts that download code and run it: the image
 * holds a clean script, and what runs when the script does is fetched
 * then, where no scan can read it (curl URL | sh, sh -c "$(wget -qO-
 * URL)", bash <(curl URL)). The same forms in the run's own command line
 * are run_fetch_exec (rules/README.md, remote-code); this is the script
 * file the run (or a script it starts) executes. Only files that start
 * with "#!", and only lines that are not comments.
 */

rule dropper_fetch_to_shell
{
    meta:
        tool = "download-and-run script"
        description = "a shell script that pipes or substitutes a download straight into a shell (curl URL | sh, sh -c \"$(wget -qO- URL)\", bash <(curl URL)): what it runs is fetched when it runs"
        severity = "high"
        category = "remote-code"
    strings:
        $pipe = /\n[ \t]*([^#\s\n][^\n]{0,200}[\s;&|(`])?(curl|wget)\s[^\n|;&]{0,300}(\|\s*(gunzip|zcat|base64\s+-d)[^\n|;&]{0,40})?\|\s*(sudo\s+(-E\s+)?)?(\/usr)?(\/bin\/)?(ba|z|da|k)?sh\b/
        $subst = /\n[ \t]*([^#\s\n][^\n]{0,200}[\s;&|(`])?((ba|z|da|k)?sh\s+-c|eval)\s+["']?(\$\(|`)\s*(curl|wget)\s/
        $procsub = /\n[ \t]*([^#\s\n][^\n]{0,200}[\s;&|(`])?(ba|z|k)?sh\s+<\(\s*(curl|wget)\s/
    condition:
        uint16(0) == 0x2123 and any of them
}
