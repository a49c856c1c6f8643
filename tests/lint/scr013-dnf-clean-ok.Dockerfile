FROM fedora:40
RUN dnf install -y gcc && dnf clean all
