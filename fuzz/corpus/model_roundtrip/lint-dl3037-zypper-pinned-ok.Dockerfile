FROM opensuse/leap:15.6
RUN zypper -n install curl=8.6.0 'vim>=9' && zypper clean --all
