/*
 * opaque.yar — content the scan cannot read: an archive in a format
 * portcullis does not open (7z, RAR) or a zip member encrypted with a
 * password. A program of the image (7z, unrar, bsdtar, unzip -P, Python's
 * zipfile with a password the image or the run holds) can unpack a tool
 * from it when it runs, and no rule ever saw its bytes. Category "opaque":
 * a policy that accepts such files sets it to warn
 * (checks.suspicious-tool.categories). Found where the file's bytes are
 * scanned: a file, or an archive member, read whole or in blocks; an
 * encrypted zip member is read as its local header (lib/yara/members.h),
 * so one in a zip of any size is found as the member.
 */

rule archive_7z
{
    meta:
        tool = "7z archive"
        description = "a 7-Zip archive, which portcullis does not open: what it holds is not scanned, and 7z, 7za or bsdtar in the image unpack it when the run does"
        severity = "medium"
        category = "opaque"
    strings:
        $magic = { 37 7A BC AF 27 1C }
    condition:
        $magic at 0
}

rule archive_rar
{
    meta:
        tool = "RAR archive"
        description = "a RAR archive (RAR 4 or 5), which portcullis does not open: what it holds is not scanned, and unrar, 7z or bsdtar in the image unpack it when the run does"
        severity = "medium"
        category = "opaque"
    strings:
        $rar4 = { 52 61 72 21 1A 07 00 }
        $rar5 = { 52 61 72 21 1A 07 01 00 }
    condition:
        $rar4 at 0 or $rar5 at 0
}

rule zip_encrypted_member
{
    meta:
        tool = "encrypted zip member"
        description = "a zip archive with a member encrypted with a password (ZipCrypto or AES): its content cannot be scanned, and unzip -P, 7z -p or Python's zipfile with the password unpack it when the run does"
        severity = "medium"
        category = "opaque"
    strings:
        // a local header whose general purpose flags (the byte after the
        // version needed) say encrypted: bit 0
        $local = { 50 4B 03 04 ?? 00 ( ?1 | ?3 | ?5 | ?7 | ?9 | ?B | ?D | ?F ) }
    condition:
        // the archive starts with a local header; one of its members is
        // encrypted and in a method zip readers know (stored, deflate,
        // bzip2, LZMA, zstd, xz, AES's 99)
        $local and uint32(0) == 0x04034b50 and for any i in (1..#local): (
            uint16(@local[i] + 8) == 0 or uint16(@local[i] + 8) == 8 or
            uint16(@local[i] + 8) == 12 or uint16(@local[i] + 8) == 14 or
            uint16(@local[i] + 8) == 93 or uint16(@local[i] + 8) == 95 or
            uint16(@local[i] + 8) == 99)
}
