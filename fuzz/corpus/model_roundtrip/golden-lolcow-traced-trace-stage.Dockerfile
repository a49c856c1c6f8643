FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        fortune-mod \
        fortunes-min \
        cowsay \
        lolcat \
 && rm -rf /var/lib/apt/lists/*
ENV PATH=/usr/games:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

FROM build AS build-trace
RUN apt-get update \
 && apt-get install -y --no-install-recommends strace \
 && rm -rf /var/lib/apt/lists/*
RUN mkdir -p /stagecraft-trace && pwd > /stagecraft-trace/cwd && strace -f -qq -y -e trace=%file,chdir,fchdir,clone,clone3,fork,vfork -o /stagecraft-trace/0.log -- '/bin/sh' '-c' 'fortune | cowsay | lolcat -f' > /stagecraft-trace/0.out
