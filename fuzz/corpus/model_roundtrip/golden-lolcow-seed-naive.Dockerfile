FROM ubuntu:16.04
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        fortune \
        fortunes-min \
        cowsay \
        lolcat \
 && rm -rf /var/lib/apt/lists/*
ENV PATH=/usr/games:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENTRYPOINT ["/bin/sh", "-c", "fortune | cowsay | lolcat"]
