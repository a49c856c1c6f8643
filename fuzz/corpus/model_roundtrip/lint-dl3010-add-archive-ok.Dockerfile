# ADD unpacks a local tar archive in one layer; a copied archive that is
# not extracted is not reported.
FROM debian:bookworm-slim
ADD app.tar.gz /opt/
COPY data.tar.gz /srv/
