// SCR018 (DL3003), a warning: `cd` in a RUN, where WORKDIR says it for good.
#![deny(deprecated)]

fn main() {
    let _run = stagecraft::run!("cd /src && make");
}
