/*
 * crackers.yar — offline password crackers, hash identifiers, wordlist
 * builders and Windows password reset tools. Every string below was taken
 * from the Debian bookworm package of the tool (hashcat 6.2.6, fcrackzip
 * 1.0, ophcrack-cli 3.8.0, hashid 3.1.4, cewl 5.5.2, chntpw 140201).
 */

rule cracker_hashcat
{
    meta:
        tool = "hashcat"
        description = "GPU/CPU password hash cracker"
        severity = "high"
        category = "password-cracker"
    strings:
        $usage = "Usage: hashcat [options]... hash|hashfile|hccapxfile [dictionary|mask|directory]..."
        $faq = "https://hashcat.net/faq/wrongdriver"
        $pot = "%s/hashcat.potfile"
        $force = "Do not report hashcat issues encountered when using --force."
        $hcstat = "hashcat.hcstat2"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule cracker_fcrackzip
{
    meta:
        tool = "fcrackzip"
        description = "ZIP archive password cracker (brute force and dictionary)"
        severity = "high"
        category = "password-cracker"
    strings:
        $banner = "a fast/free zip password cracker"
        $found = "PASSWORD FOUND!!!!: pw == %s"
        $unzip = "unzip -qqtP \"%s\" %s >/dev/null 2>&1"
        $opt = "use unzip to weed out wrong passwords"
        $validate = "validation error (%s != Martha)"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule cracker_ophcrack
{
    meta:
        tool = "ophcrack"
        description = "Windows LM/NT password cracker using rainbow tables"
        severity = "high"
        category = "password-cracker"
    strings:
        $banner = "ophcrack %s by Objectif Securite"
        $what = "Cracks Windows passwords with Rainbow tables"
        $rc = "%s/.ophcrackrc"
        $tables = "No tables were loaded. Use the -t option to specify some."
        $sam = "load hashes from encrypted SAM file in directory dir"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule cracker_hashid
{
    meta:
        tool = "hashid"
        description = "hash type identifier that names the hashcat/john mode to crack a hash with (Python)"
        severity = "medium"
        category = "password-cracker"
    strings:
        $github = "https://github.com/psypanda/hashID"
        $desc = "Identify the different types of hashes used to encrypt data"
        $info = "namedtuple('HashInfo', ['name', 'hashcat', 'john', 'extended'])"
        // console-script launchers: setuptools (Debian) and pip
        $easy = "load_entry_point('hashID=="
        $pip = "from hashid import main"
    condition:
        uint32be(0) != 0x7f454c46 and uint16(0) == 0x2123 and
        (2 of ($github, $desc, $info) or $easy or $pip)
}

rule cracker_cewl
{
    meta:
        tool = "cewl"
        description = "CeWL, spiders a target web site into a custom password wordlist (Ruby)"
        severity = "medium"
        category = "password-cracker"
    strings:
        $title = "CeWL: Custom Word List Generator"
        $lib = "require 'cewl_lib'"
        $spider = "class MySpider<Spider"
        $author = "Robin Wood (robin@digi"
        $fab = "FAB: Files Already Bagged"
        $fablib = "require \"cewl_lib.rb\""
    condition:
        uint32be(0) != 0x7f454c46 and uint16(0) == 0x2123 and 2 of them
}

rule cracker_chntpw
{
    meta:
        tool = "chntpw"
        description = "offline Windows SAM editor: clears or resets account passwords and unlocks accounts"
        severity = "medium"
        category = "password-cracker"
    strings:
        $what = "chntpw: change password of a user in a Windows SAM file"
        $menu = "chntpw Main Interactive Menu"
        $version = "chntpw version "
        $md4 = "** No NT MD4 hash found. This user probably has a BLANK password!"
        $clear = "1 - Clear (blank) user password"
    condition:
        uint32be(0) == 0x7f454c46 and 2 of them
}

rule cracker_chntpw_sam_tools
{
    meta:
        tool = "chntpw sampasswd/samunlock/samusrgrp"
        description = "chntpw's non-interactive SAM tools: reset passwords, unlock accounts, add users to groups"
        severity = "medium"
        category = "password-cracker"
    strings:
        $names = "\\SAM\\Domains\\Account\\Users\\Names\\%s\\@"
        $hive = "ERROR: You must specify a SAM registry hive filename."
        $reset = "Reset password or list users in SAM database"
        $unlock = "Unlock user or list users in SAM database"
        $grp = "samusrtogrp -- Assume -a mode: Add a user into a group"
    condition:
        uint32be(0) == 0x7f454c46 and $names and $hive and 1 of ($reset, $unlock, $grp)
}

rule cracker_samdump2
{
    meta:
        tool = "samdump2"
        description = "samdump2: dumps the password hashes of a Windows SAM hive with its SYSTEM key"
        severity = "high"
        category = "password-cracker"
    strings:
        $banner = "samdump2 %s by Objectif Securite"
        $banner2 = "by Objectif Securite (http://www.objectif-securite.ch)"
        $usage = "Usage: samdump2 [OPTION]... SYSTEM_FILE SAM_FILE"
    condition:
        uint32be(0) == 0x7f454c46 and any of them
}
