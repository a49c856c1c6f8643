FROM fedora:40
RUN dnf install -y gcc-14.1.1 && dnf module install -y nodejs:20 && dnf clean all
