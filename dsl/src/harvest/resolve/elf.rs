//! What the dynamic loader reads from an ELF file: class, machine,
//! `PT_INTERP`, and from the `PT_DYNAMIC` segment `DT_NEEDED`, `DT_SONAME`,
//! `DT_RPATH` and `DT_RUNPATH`.
//!
//! Read through the program headers, as `ld.so` does (section headers may be
//! stripped); the dynamic string table's address is mapped to a file offset
//! through the `PT_LOAD` segments.

use object::elf::{
    FileHeader32, FileHeader64, DT_NEEDED, DT_RPATH, DT_RUNPATH, DT_SONAME, DT_STRSZ, DT_STRTAB,
    ELFCLASS32, ELFCLASS64, EM_386, EM_AARCH64, EM_X86_64, PT_LOAD,
};
use object::read::elf::{Dyn, FileHeader, ProgramHeader};
use object::Endianness;

/// The four bytes every ELF file starts with.
pub(crate) const MAGIC: [u8; 4] = [0x7f, b'E', b'L', b'F'];

/// The loader-relevant part of an ELF file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ElfInfo {
    /// 64-bit (`ELFCLASS64`).
    pub class64: bool,
    /// `e_machine`.
    pub machine: u16,
    /// `PT_INTERP`: the dynamic loader an executable asks for.
    pub interp: Option<String>,
    /// `DT_NEEDED`, in order.
    pub needed: Vec<String>,
    /// `DT_SONAME`.
    pub soname: Option<String>,
    /// `DT_RPATH`, split on `:`.
    pub rpath: Vec<String>,
    /// `DT_RUNPATH`, split on `:`.
    pub runpath: Vec<String>,
}

impl ElfInfo {
    /// Whether `other` can be loaded into a process of this object's kind.
    pub fn compatible(&self, other: &ElfInfo) -> bool {
        self.class64 == other.class64 && self.machine == other.machine
    }

    /// Debian's multiarch triple for this machine, for the default search path.
    pub fn multiarch(&self) -> Option<&'static str> {
        match (self.machine, self.class64) {
            (m, true) if m == EM_X86_64.0 => Some("x86_64-linux-gnu"),
            (m, true) if m == EM_AARCH64.0 => Some("aarch64-linux-gnu"),
            (m, false) if m == EM_386.0 => Some("i386-linux-gnu"),
            _ => None,
        }
    }
}

/// Parses `data` (a whole file); `None` when it is not a usable ELF file.
pub(crate) fn parse(data: &[u8]) -> Option<ElfInfo> {
    if data.get(..4)? != MAGIC {
        return None;
    }
    match *data.get(4)? {
        class if class == ELFCLASS64.0 => parse_as::<FileHeader64<Endianness>>(data, true),
        class if class == ELFCLASS32.0 => parse_as::<FileHeader32<Endianness>>(data, false),
        _ => None,
    }
}

fn parse_as<H: FileHeader<Endian = Endianness>>(data: &[u8], class64: bool) -> Option<ElfInfo> {
    let header = H::parse(data).ok()?;
    let endian = header.endian().ok()?;
    let headers = header.program_headers(endian, data).ok()?;
    let mut info = ElfInfo {
        class64,
        machine: header.e_machine(endian).0,
        ..ElfInfo::default()
    };
    let mut dynamic = None;
    for ph in headers {
        if let Ok(Some(interp)) = ph.interpreter(endian, data) {
            info.interp = Some(String::from_utf8_lossy(interp).into_owned());
        }
        if let Ok(Some(entries)) = ph.dynamic(endian, data) {
            dynamic = Some(entries);
        }
    }
    let Some(dynamic) = dynamic else {
        return Some(info);
    };
    let (mut strtab, mut strsz) = (None, None);
    let mut strings: Vec<(i64, u64)> = Vec::new();
    for entry in dynamic {
        let tag = entry.d_tag(endian);
        let value: u64 = entry.d_val(endian).into();
        if tag == DT_STRTAB {
            strtab = Some(value);
        } else if tag == DT_STRSZ {
            strsz = Some(value);
        } else if tag == DT_NEEDED || tag == DT_SONAME || tag == DT_RPATH || tag == DT_RUNPATH {
            strings.push((tag.0, value));
        } else if tag.0 == 0 {
            break;
        }
    }
    // The string table's address, mapped to the file through the PT_LOAD segments.
    let address = strtab?;
    let offset = headers.iter().find_map(|ph| {
        if ph.p_type(endian) != PT_LOAD {
            return None;
        }
        let vaddr: u64 = ph.p_vaddr(endian).into();
        let filesz: u64 = ph.p_filesz(endian).into();
        let offset: u64 = ph.p_offset(endian).into();
        (address >= vaddr && address < vaddr + filesz).then(|| offset + (address - vaddr))
    })?;
    let start = usize::try_from(offset).ok()?;
    let end = strsz
        .and_then(|size| usize::try_from(size).ok())
        .map_or(data.len(), |size| {
            start.saturating_add(size).min(data.len())
        });
    let table = data.get(start..end)?;
    let string = |at: u64| -> Option<String> {
        let rest = table.get(usize::try_from(at).ok()?..)?;
        let len = rest.iter().position(|&b| b == 0)?;
        Some(String::from_utf8_lossy(&rest[..len]).into_owned())
    };
    let split = |text: String| -> Vec<String> {
        text.split(':')
            .filter(|dir| !dir.is_empty())
            .map(str::to_string)
            .collect()
    };
    for (tag, at) in strings {
        let Some(text) = string(at) else { continue };
        match tag {
            t if t == DT_NEEDED.0 => info.needed.push(text),
            t if t == DT_SONAME.0 => info.soname = Some(text),
            t if t == DT_RPATH.0 => info.rpath.extend(split(text)),
            t if t == DT_RUNPATH.0 => info.runpath.extend(split(text)),
            _ => {}
        }
    }
    Some(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_elf() {
        assert_eq!(parse(b"#!/bin/sh\necho hi\n"), None);
        assert_eq!(parse(b"\x7fELF"), None);
        assert_eq!(parse(b""), None);
    }

    /// The test binary itself (read, never executed as a harvest input).
    #[test]
    fn reads_the_running_test_binary() {
        let exe = std::env::current_exe().unwrap();
        let data = std::fs::read(exe).unwrap();
        let info = parse(&data).expect("the test binary is ELF");
        if cfg!(all(
            target_os = "linux",
            target_arch = "x86_64",
            target_env = "gnu"
        )) {
            assert!(info.class64);
            assert_eq!(info.multiarch(), Some("x86_64-linux-gnu"));
            assert!(
                info.needed.iter().any(|n| n.starts_with("libc.so")),
                "{info:?}"
            );
            assert!(info.interp.is_some(), "{info:?}");
        }
    }
}
