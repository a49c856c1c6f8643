FROM fedora:40
RUN dnf install -y gcc && dnf module install -y nodejs && dnf clean all
