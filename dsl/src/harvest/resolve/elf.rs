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
use object::{Endianness, ReadRef};
use std::io::{self, Read};
use std::ops::Range;

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
/// (The index reads files with [`read_stream`].)
#[cfg(test)]
pub(crate) fn parse(data: &[u8]) -> Option<ElfInfo> {
    let sparse = Sparse {
        size: data.len() as u64,
        pieces: vec![(0, data.to_vec())],
    };
    match parse_sparse(&sparse) {
        Parsed::Info(info) => Some(info),
        Parsed::Needs(_) | Parsed::NotElf => None,
    }
}

/// How much of an ELF file's start is kept when it is read as a stream:
/// the headers, `PT_INTERP` and (in every common linker's layout) the
/// dynamic string table lie in it.
pub(crate) const HEAD_BYTES: u64 = 4 << 20;

/// The largest `PT_INTERP`, `PT_DYNAMIC` or dynamic string table read
/// beyond the head; larger ones make the file unusable, as a corrupt one.
pub(crate) const PIECE_LIMIT: u64 = 1 << 20;

/// Reads the ELF file `reader` of `size` bytes as a stream, keeping only
/// what the loader reads: its head and the `PT_INTERP`, `PT_DYNAMIC` and
/// string table ranges beyond it, at most [`HEAD_BYTES`] and three
/// [`PIECE_LIMIT`]s in all, whatever the file's size (a 2 GiB binary costs
/// 4 MiB, not 2 GiB). The rest is read and dropped. Gives the information
/// and the bytes it held.
pub(crate) fn read_stream(mut reader: impl Read, size: u64) -> io::Result<(Option<ElfInfo>, u64)> {
    let mut head = Vec::new();
    (&mut reader)
        .take(HEAD_BYTES.min(size))
        .read_to_end(&mut head)?;
    let mut position = head.len() as u64;
    let mut sparse = Sparse {
        size,
        pieces: vec![(0, head)],
    };
    // The segments the loader maps beyond the head, in file order.
    let mut wanted = segments_beyond(&sparse, position);
    let info = loop {
        wanted.retain(|range| range.start >= position);
        wanted.sort_by_key(|range| range.start);
        if let Some(range) = wanted.first().cloned() {
            wanted.remove(0);
            if range.end - range.start > PIECE_LIMIT || range.end > size {
                break None;
            }
            io::copy(
                &mut (&mut reader).take(range.start - position),
                &mut io::sink(),
            )?;
            let mut piece = Vec::new();
            (&mut reader)
                .take(range.end - range.start)
                .read_to_end(&mut piece)?;
            position = range.start + piece.len() as u64;
            sparse.pieces.push((range.start, piece));
            continue;
        }
        match parse_sparse(&sparse) {
            Parsed::Info(info) => break Some(info),
            Parsed::Needs(range) if range.start >= position && sparse.pieces.len() < 8 => {
                wanted.push(range)
            }
            Parsed::Needs(_) | Parsed::NotElf => break None,
        }
    };
    let held = sparse
        .pieces
        .iter()
        .map(|(_, piece)| piece.len() as u64)
        .sum();
    skip(&mut reader, u64::MAX)?;
    Ok((info, held))
}

/// Reads and drops `count` bytes (or up to the end), 64 KiB at a time.
fn skip(reader: &mut impl Read, mut count: u64) -> io::Result<()> {
    let mut buffer = vec![0; 64 << 10];
    while count > 0 {
        let want = usize::try_from(count)
            .unwrap_or(usize::MAX)
            .min(buffer.len());
        match reader.read(&mut buffer[..want]) {
            Ok(0) => break,
            Ok(read) => count -= read as u64,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// The file ranges of `PT_INTERP` and `PT_DYNAMIC` that start at or after `from`.
fn segments_beyond(data: &Sparse, from: u64) -> Vec<Range<u64>> {
    fn ranges<H: FileHeader<Endian = Endianness>>(data: &Sparse) -> Option<Vec<Range<u64>>> {
        let header = H::parse(data).ok()?;
        let endian = header.endian().ok()?;
        let headers = header.program_headers(endian, data).ok()?;
        Some(
            headers
                .iter()
                .filter(|ph| {
                    let kind = ph.p_type(endian);
                    kind == object::elf::PT_INTERP || kind == object::elf::PT_DYNAMIC
                })
                .map(|ph| {
                    let offset: u64 = ph.p_offset(endian).into();
                    let size: u64 = ph.p_filesz(endian).into();
                    offset..offset.saturating_add(size)
                })
                .collect(),
        )
    }
    let class = data.read_bytes_at(4, 1).ok().map(|b| b[0]);
    let found = match class {
        Some(c) if c == ELFCLASS64.0 => ranges::<FileHeader64<Endianness>>(data),
        Some(c) if c == ELFCLASS32.0 => ranges::<FileHeader32<Endianness>>(data),
        _ => None,
    };
    found
        .unwrap_or_default()
        .into_iter()
        .filter(|range| range.start >= from)
        .collect()
}

/// An ELF file of which only some ranges are held; reading outside them fails.
struct Sparse {
    size: u64,
    /// `(file offset, bytes)`.
    pieces: Vec<(u64, Vec<u8>)>,
}

impl<'a> ReadRef<'a> for &'a Sparse {
    fn len(self) -> Result<u64, ()> {
        Ok(self.size)
    }

    fn read_bytes_at(self, offset: u64, size: u64) -> Result<&'a [u8], ()> {
        self.pieces
            .iter()
            .find_map(|(start, piece)| {
                let from = usize::try_from(offset.checked_sub(*start)?).ok()?;
                let to = from.checked_add(usize::try_from(size).ok()?)?;
                piece.get(from..to)
            })
            .ok_or(())
    }

    fn read_bytes_at_until(self, range: Range<u64>, delimiter: u8) -> Result<&'a [u8], ()> {
        self.pieces
            .iter()
            .find_map(|(start, piece)| {
                let from = usize::try_from(range.start.checked_sub(*start)?).ok()?;
                let to = usize::try_from(range.end.checked_sub(*start)?)
                    .ok()?
                    .min(piece.len());
                let bytes = piece.get(from..to)?;
                let len = bytes.iter().position(|&b| b == delimiter)?;
                Some(&bytes[..len])
            })
            .ok_or(())
    }
}

/// What [`parse_sparse`] made of the ranges it has.
enum Parsed {
    Info(ElfInfo),
    /// The dynamic string table lies in this range, not held.
    Needs(Range<u64>),
    NotElf,
}

fn parse_sparse(data: &Sparse) -> Parsed {
    if data.read_bytes_at(0, 4).ok() != Some(&MAGIC[..]) {
        return Parsed::NotElf;
    }
    let parsed = match data.read_bytes_at(4, 1).ok().map(|b| b[0]) {
        Some(class) if class == ELFCLASS64.0 => parse_as::<FileHeader64<Endianness>>(data, true),
        Some(class) if class == ELFCLASS32.0 => parse_as::<FileHeader32<Endianness>>(data, false),
        _ => None,
    };
    parsed.unwrap_or(Parsed::NotElf)
}

fn parse_as<H: FileHeader<Endian = Endianness>>(data: &Sparse, class64: bool) -> Option<Parsed> {
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
        return Some(Parsed::Info(info));
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
    let end = strsz.map_or(data.size, |size| offset.saturating_add(size).min(data.size));
    if end < offset {
        return None;
    }
    let Ok(table) = data.read_bytes_at(offset, end - offset) else {
        return Some(Parsed::Needs(offset..end));
    };
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
    Some(Parsed::Info(info))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn not_elf() {
        assert_eq!(parse(b"#!/bin/sh\necho hi\n"), None);
        assert_eq!(parse(b"\x7fELF"), None);
        assert_eq!(parse(b""), None);
    }

    /// A 2 GiB ELF file (zeros, never on disk) whose `PT_DYNAMIC` and
    /// string table lie at its end: read as a stream, `size` bytes in, a
    /// few kept. The bytes held are asserted, not the time taken.
    pub(crate) fn huge_elf(size: u64) -> impl Read {
        let interp = b"/lib64/ld-linux-x86-64.so.2\0";
        let strtab = b"\0libhuge.so.1\0";
        let dynamic_at = size - 4096;
        let mut head = Vec::new();
        head.extend_from_slice(&[0x7f, b'E', b'L', b'F', 2, 1, 1, 0]);
        head.extend_from_slice(&[0; 8]);
        head.extend_from_slice(&3u16.to_le_bytes()); // ET_DYN
        head.extend_from_slice(&62u16.to_le_bytes()); // EM_X86_64
        head.extend_from_slice(&1u32.to_le_bytes());
        head.extend_from_slice(&0u64.to_le_bytes()); // entry
        head.extend_from_slice(&64u64.to_le_bytes()); // phoff
        head.extend_from_slice(&0u64.to_le_bytes()); // shoff
        head.extend_from_slice(&0u32.to_le_bytes());
        for half in [64u16, 56, 3, 64, 0, 0] {
            head.extend_from_slice(&half.to_le_bytes());
        }
        let phdr = |kind: u32, offset: u64, filesz: u64| {
            let mut ph = Vec::new();
            ph.extend_from_slice(&kind.to_le_bytes());
            ph.extend_from_slice(&4u32.to_le_bytes());
            for word in [offset, offset, offset, filesz, filesz, 8] {
                ph.extend_from_slice(&word.to_le_bytes());
            }
            ph
        };
        let interp_at = 64 + 3 * 56;
        head.extend(phdr(1, 0, size));
        head.extend(phdr(3, interp_at, interp.len() as u64));
        head.extend(phdr(2, dynamic_at, 64));
        head.extend_from_slice(interp);
        let mut tail = Vec::new();
        for (tag, value) in [
            (1u64, 1u64),
            (5, dynamic_at + 64),
            (10, strtab.len() as u64),
            (0, 0),
        ] {
            tail.extend_from_slice(&tag.to_le_bytes());
            tail.extend_from_slice(&value.to_le_bytes());
        }
        tail.extend_from_slice(strtab);
        let gap = dynamic_at - head.len() as u64;
        let rest = size - dynamic_at - tail.len() as u64;
        io::Cursor::new(head)
            .chain(Gap(gap))
            .chain(io::Cursor::new(tail))
            .chain(Gap(rest))
    }

    /// `n` bytes the parser never looks at: given without being written
    /// (filling 2 GiB with zeros in a debug build would take most of a minute).
    struct Gap(u64);

    impl Read for Gap {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = usize::try_from(self.0).unwrap_or(usize::MAX).min(buf.len());
            self.0 -= n as u64;
            Ok(n)
        }
    }

    #[test]
    fn a_2_gib_elf_is_streamed_not_held() {
        let size = (2u64 << 30) + 4096;
        let (info, held) = read_stream(huge_elf(size), size).unwrap();
        let info = info.expect("parsed");
        assert_eq!(info.needed, ["libhuge.so.1"]);
        assert_eq!(info.interp.as_deref(), Some("/lib64/ld-linux-x86-64.so.2"));
        assert!(held <= HEAD_BYTES + 3 * PIECE_LIMIT, "held {held} bytes");
        // The whole-file parser agrees on a small one.
        let small = 64 << 10;
        let mut data = Vec::new();
        huge_elf(small).read_to_end(&mut data).unwrap();
        assert_eq!(parse(&data), Some(info.clone()));
        let (streamed, _) = read_stream(&data[..], small).unwrap();
        assert_eq!(streamed, Some(info));
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
