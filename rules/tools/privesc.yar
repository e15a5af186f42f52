/*
 * privesc.yar — local privilege-escalation and credential-harvesting kits:
 * enumeration scripts that hunt for setuid files, writable services, kernel
 * exploits and secrets (linPEAS, LinEnum, linux-exploit-suggester, lse),
 * and credential dumpers (mimipenguin, LaZagne). Found by the names and
 * URLs the scripts print and carry; scripts only (not ELF files).
 */

rule privesc_enum_scripts
{
    meta:
        tool = "linPEAS / LinEnum / linux-exploit-suggester / lse"
        description = "local privilege-escalation enumeration script: hunts setuid binaries, writable paths, sudo rules, kernel exploits and secrets"
        severity = "high"
        category = "exploitation"
    strings:
        $peass = "PEASS-ng"
        $linpeas = "linpeas.sh"
        $linenum = "rebootuser.com"
        $linenum2 = "LinEnum"
        $les = "linux-exploit-suggester"
        $les2 = "mzet-"
        $lse = "linux-smart-enumeration"
        $lse2 = "diego-treitos"
    condition:
        uint32be(0) != 0x7f454c46 and (($peass and $linpeas) or ($linenum and $linenum2) or ($les and $les2) or ($lse and $lse2))
}

rule exploit_credential_dumpers
{
    meta:
        tool = "mimipenguin / LaZagne"
        description = "credential dumper: cleartext passwords from process memory (mimipenguin) or from browsers, shells and system stores (LaZagne)"
        severity = "high"
        category = "exploitation"
    strings:
        $mimi = "mimipenguin"
        $mimi2 = "huntergregal"
        $lazagne = "lazagne" nocase
        $lazagne2 = "AlessandroZ"
    condition:
        uint32be(0) != 0x7f454c46 and (($mimi and $mimi2) or ($lazagne and $lazagne2))
}
