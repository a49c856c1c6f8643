FROM opensuse/leap:15.6
RUN zypper -n install curl && zypper clean --all
