//! The dependency closure of an installed Debian package, read from dpkg's
//! database (`/var/lib/dpkg/status`): what
//! [`Harvest::package_files_with_dependencies`](super::Harvest::package_files_with_dependencies)
//! harvests besides the package itself.
//!
//! The rules, shared by both strategies (the self-contained script applies
//! the same ones in `awk` over `dpkg-query -W` output, see `script.rs`):
//!
//! * `Pre-Depends` and `Depends` are followed, breadth first; `Recommends`,
//!   `Suggests` and the implicit dependency on `Essential: yes` packages are
//!   not (a package's own dependencies are what it declares).
//! * A package counts as installed when its files are on disk: status
//!   `installed`, `unpacked`, `half-configured`, `triggers-awaited` or
//!   `triggers-pending` (not `config-files` or `not-installed`).
//! * Version constraints (`(>= 2.34)`) are ignored: the build stage's dpkg
//!   already checked them. Architecture qualifiers (`perl:any`,
//!   `libc6:amd64`) are dropped; a package installed for two architectures
//!   counts once, with the union of its dependencies.
//! * In an alternative `a | b`, the first alternative that is installed wins,
//!   in order; an alternative that is a virtual package is satisfied by the
//!   first installed package (by name) whose `Provides` names it.
//! * A package named in `stop` (the runtime base has it, from
//!   [`Harvest::except_packages`](super::Harvest::except_packages)) ends the
//!   walk there: neither it nor its dependencies are harvested. An
//!   alternative group with a stopped alternative, met before an installed
//!   one, counts as satisfied by the base.
//! * Cycles (`libc6` <-> `libgcc-s1`) are walked once.
//! * A dependency that no installed package satisfies is an error
//!   ([`Unsatisfied`]) rather than a silent skip: the harvested files would
//!   miss something the package declares it needs.

use std::collections::{BTreeMap, HashSet, VecDeque};

/// The dpkg statuses whose files are on disk.
pub(crate) const FILES_PRESENT: [&str; 5] = [
    "installed",
    "unpacked",
    "half-configured",
    "triggers-awaited",
    "triggers-pending",
];

/// Where dpkg keeps its database of packages.
#[cfg_attr(not(feature = "engine"), allow(dead_code))]
pub(crate) const STATUS_FILE: &str = "/var/lib/dpkg/status";

/// The installed packages of a dpkg status file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DpkgStatus {
    /// Package name -> its dependency groups, `Pre-Depends` first.
    installed: BTreeMap<String, Vec<Group>>,
    /// Virtual package -> the installed packages providing it, by name.
    providers: BTreeMap<String, Vec<String>>,
}

/// One dependency: its alternatives, names bare (no version, no
/// architecture), and the text as declared.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Group {
    alternatives: Vec<String>,
    text: String,
}

/// A package the closure adds: `name`, pulled in by `of`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pulled {
    /// The dependency.
    pub name: String,
    /// The package that declares it (the declared one or another dependency).
    pub of: String,
}

/// A dependency that no installed package satisfies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unsatisfied {
    /// The package that declares it.
    pub package: String,
    /// The dependency as declared, e.g. `fortunes-min | fortunes (>= 1)`.
    pub dependency: String,
}

/// `perl:any (>= 5.36)` -> `perl`.
fn bare(text: &str) -> &str {
    let text = text.split('(').next().unwrap_or("").trim();
    text.split(':').next().unwrap_or("").trim()
}

impl DpkgStatus {
    /// Parses a status file: paragraphs separated by blank lines, fields
    /// `Name: value`, continuation lines starting with a space.
    pub(crate) fn parse(text: &str) -> DpkgStatus {
        let mut status = DpkgStatus::default();
        let mut fields: BTreeMap<String, String> = BTreeMap::new();
        let mut last: Option<String> = None;
        for line in text.lines().chain(std::iter::once("")) {
            if line.trim().is_empty() {
                status.add(&fields);
                fields.clear();
                last = None;
            } else if line.starts_with([' ', '\t']) {
                if let Some(value) = last.as_ref().and_then(|name| fields.get_mut(name)) {
                    value.push(' ');
                    value.push_str(line.trim());
                }
            } else if let Some((name, value)) = line.split_once(':') {
                let name = name.trim().to_ascii_lowercase();
                fields.insert(name.clone(), value.trim().to_string());
                last = Some(name);
            }
        }
        for providers in status.providers.values_mut() {
            providers.sort();
            providers.dedup();
        }
        status
    }

    fn add(&mut self, fields: &BTreeMap<String, String>) {
        let Some(name) = fields.get("package") else {
            return;
        };
        let present = fields
            .get("status")
            .and_then(|s| s.split_whitespace().nth(2))
            .is_some_and(|s| FILES_PRESENT.contains(&s));
        if !present {
            return;
        }
        let groups = self.installed.entry(name.clone()).or_default();
        for field in ["pre-depends", "depends"] {
            let Some(value) = fields.get(field) else {
                continue;
            };
            for group in value.split(',') {
                let alternatives: Vec<String> = group
                    .split('|')
                    .map(bare)
                    .filter(|alt| !alt.is_empty())
                    .map(str::to_string)
                    .collect();
                if !alternatives.is_empty()
                    && !groups.iter().any(|g| g.alternatives == alternatives)
                {
                    groups.push(Group {
                        alternatives,
                        text: group.trim().to_string(),
                    });
                }
            }
        }
        if let Some(provides) = fields.get("provides") {
            for virtual_name in provides.split(',').map(bare).filter(|p| !p.is_empty()) {
                self.providers
                    .entry(virtual_name.to_string())
                    .or_default()
                    .push(name.clone());
            }
        }
    }

    /// Whether `name` is installed (files on disk).
    pub(crate) fn is_installed(&self, name: &str) -> bool {
        self.installed.contains_key(name)
    }

    /// The dependencies of the installed package `root`, breadth first,
    /// each once, without `root` itself; the walk ends at the packages of
    /// `stop`. `Ok(vec![])` for a package that is not installed (the caller
    /// reports that with its own error).
    pub(crate) fn closure(&self, root: &str, stop: &[String]) -> Result<Vec<Pulled>, Unsatisfied> {
        let stopped = |name: &str| stop.iter().any(|s| s == name);
        let mut seen: HashSet<&str> = HashSet::from([root]);
        let mut queue: VecDeque<&str> = VecDeque::from([root]);
        let mut pulled = Vec::new();
        while let Some(package) = queue.pop_front() {
            let Some(groups) = self.installed.get(package) else {
                continue;
            };
            for group in groups {
                let mut satisfied = false;
                let mut chosen: Option<&str> = None;
                for alternative in &group.alternatives {
                    if stopped(alternative) {
                        satisfied = true;
                    } else if let Some((name, _)) = self.installed.get_key_value(alternative) {
                        chosen = Some(name);
                    } else if let Some(provider) = self
                        .providers
                        .get(alternative)
                        .and_then(|providers| providers.first())
                    {
                        if stopped(provider) {
                            satisfied = true;
                        } else {
                            chosen = Some(provider);
                        }
                    } else {
                        continue;
                    }
                    break;
                }
                match chosen {
                    Some(name) => {
                        if seen.insert(name) {
                            queue.push_back(name);
                            pulled.push(Pulled {
                                name: name.to_string(),
                                of: package.to_string(),
                            });
                        }
                    }
                    None if satisfied => {}
                    None => {
                        return Err(Unsatisfied {
                            package: package.to_string(),
                            dependency: group.text.clone(),
                        })
                    }
                }
            }
        }
        Ok(pulled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cut from a real bookworm status file, with the cases added by hand.
    const STATUS: &str = "\
Package: fortune-mod
Status: install ok installed
Priority: optional
Architecture: amd64
Version: 1:1.99.1-7.3
Depends: libc6 (>= 2.34), librecode0 (>= 3.6), fortunes-min | fortunes
Recommends: fortunes
Description: provides fortune cookies on demand
 Fortune is a command-line utility which displays a random
 quotation from a collection of quotes.

Package: fortunes-min
Status: install ok installed
Architecture: all
Depends: fortunes-data-virtual
Description: Data files containing fortune cookies

Package: fortunes
Status: deinstall ok config-files
Architecture: all
Provides: fortunes-data-virtual

Package: fortunes-off
Status: install ok installed
Architecture: all
Provides: fortunes-data-virtual (= 1.0)

Package: fortunes-data
Status: install ok installed
Architecture: all
Provides: fortunes-data-virtual

Package: librecode0
Status: install ok installed
Architecture: amd64
Depends: libc6 (>= 2.14)

Package: libc6
Status: install ok installed
Architecture: amd64
Depends: libgcc-s1
Conffiles:
 /etc/ld.so.conf.d/x86_64-linux-gnu.conf d4e7a7b88a71b5ffd9e2644e71a0cfab

Package: libc6
Status: install ok installed
Architecture: i386
Depends: libidn2-0

Package: libgcc-s1
Status: install ok installed
Architecture: amd64
Pre-Depends: gcc-12-base
Depends: libc6 (>= 2.35)

Package: gcc-12-base
Status: install ok installed
Architecture: amd64

Package: libidn2-0
Status: install ok unpacked
Architecture: amd64

Package: cowsay
Status: install ok installed
Architecture: all
Depends: perl:any, libtext-charwidth-perl | nothing-at-all

Package: perl
Status: install ok installed
Architecture: amd64
Pre-Depends: dpkg (>= 1.17.17)
Depends: perl-base (= 5.36.0-7+deb12u1)

Package: perl-base
Status: install ok installed
Architecture: amd64
Provides: perlapi-5.36.0

Package: dpkg
Status: install ok installed
Architecture: amd64
Pre-Depends: libc6 (>= 2.34)

Package: broken
Status: install ok installed
Architecture: all
Depends: perl, gone | also-gone (>= 2)
";

    fn names(pulled: &[Pulled]) -> Vec<String> {
        pulled
            .iter()
            .map(|p| format!("{} <- {}", p.name, p.of))
            .collect()
    }

    #[test]
    fn parses_installed_packages_only() {
        let status = DpkgStatus::parse(STATUS);
        assert!(status.is_installed("fortune-mod"));
        assert!(status.is_installed("libidn2-0"), "unpacked: files on disk");
        assert!(!status.is_installed("fortunes"), "config-files only");
        assert!(!status.is_installed("nothing-at-all"));
        assert_eq!(
            status.providers["fortunes-data-virtual"],
            ["fortunes-data", "fortunes-off"],
            "sorted; the removed package provides nothing"
        );
        let alternatives = |name: &str| -> Vec<Vec<String>> {
            status.installed[name]
                .iter()
                .map(|g| g.alternatives.clone())
                .collect()
        };
        assert_eq!(
            alternatives("cowsay"),
            [
                vec!["perl".to_string()],
                vec![
                    "libtext-charwidth-perl".to_string(),
                    "nothing-at-all".to_string()
                ]
            ],
            "qualifiers and versions dropped"
        );
        assert_eq!(status.installed["cowsay"][0].text, "perl:any");
        // Two architectures: one package, both architectures' dependencies.
        assert_eq!(
            alternatives("libc6"),
            [vec!["libgcc-s1".to_string()], vec!["libidn2-0".to_string()]]
        );
        // Pre-Depends first.
        assert_eq!(alternatives("libgcc-s1")[0], ["gcc-12-base"]);
    }

    #[test]
    fn closure_follows_alternatives_provides_and_cycles() {
        let status = DpkgStatus::parse(STATUS);
        let pulled = status.closure("fortune-mod", &[]).unwrap();
        assert_eq!(
            names(&pulled),
            [
                "libc6 <- fortune-mod",
                "librecode0 <- fortune-mod",
                // `fortunes-min | fortunes`: the installed one.
                "fortunes-min <- fortune-mod",
                "libgcc-s1 <- libc6",
                "libidn2-0 <- libc6",
                // Virtual: the first installed provider by name.
                "fortunes-data <- fortunes-min",
                // Pre-Depends; libgcc-s1 -> libc6 is a cycle, walked once.
                "gcc-12-base <- libgcc-s1",
            ]
        );
    }

    #[test]
    fn closure_stops_at_the_base_packages() {
        let status = DpkgStatus::parse(STATUS);
        let pulled = status
            .closure("fortune-mod", &["libc6".to_string()])
            .unwrap();
        assert_eq!(
            names(&pulled),
            [
                "librecode0 <- fortune-mod",
                "fortunes-min <- fortune-mod",
                "fortunes-data <- fortunes-min"
            ]
        );
        // A stopped provider satisfies the virtual package.
        let pulled = status
            .closure("fortunes-min", &["fortunes-data".to_string()])
            .unwrap();
        assert_eq!(pulled, []);
    }

    #[test]
    fn unsatisfied_dependency_is_reported() {
        let status = DpkgStatus::parse(STATUS);
        assert_eq!(
            status.closure("broken", &[]),
            Err(Unsatisfied {
                package: "broken".to_string(),
                dependency: "gone | also-gone (>= 2)".to_string()
            })
        );
        // `perl:any` is perl; the second alternative of an unsatisfied first.
        let pulled = status.closure("cowsay", &[]);
        assert_eq!(
            pulled,
            Err(Unsatisfied {
                package: "cowsay".to_string(),
                dependency: "libtext-charwidth-perl | nothing-at-all".to_string()
            })
        );
        // ... unless the base has one of the alternatives.
        let pulled = status
            .closure("cowsay", &["nothing-at-all".to_string()])
            .unwrap();
        assert_eq!(
            names(&pulled),
            [
                "perl <- cowsay",
                "dpkg <- perl",
                "perl-base <- perl",
                "libc6 <- dpkg",
                "libgcc-s1 <- libc6",
                "libidn2-0 <- libc6",
                "gcc-12-base <- libgcc-s1"
            ]
        );
    }

    #[test]
    fn a_package_not_installed_has_no_closure() {
        let status = DpkgStatus::parse(STATUS);
        assert!(!status.is_installed("fortunes"));
        assert_eq!(status.closure("fortunes", &[]), Ok(vec![]));
        assert_eq!(DpkgStatus::parse(""), DpkgStatus::default());
    }
}
