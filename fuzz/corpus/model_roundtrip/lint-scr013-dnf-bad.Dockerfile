FROM fedora:40
RUN dnf install -y gcc-14.1.1
