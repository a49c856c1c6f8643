# BioContainers' pattern: the package from backports, else from the release;
# the fallback is an install too, and its failure fails the RUN.
FROM debian:buster-slim
RUN apt-get update \
    && (apt-get install -t buster-backports -y --no-install-recommends bart-view=0.1.00-2 \
        || apt-get install -y --no-install-recommends bart-view=0.1.00-2) \
    && rm -rf /var/lib/apt/lists/*
# pangeo-docker-images' pattern: each install ends its own branch; what
# follows `else` does not run after it.
RUN if test -f environment.yml ; then echo "Using environment.yml" & \
        pip install --no-cache-dir -r requirements.txt \
    ; else echo "No requirements.txt" ; pip install --no-cache-dir numpy==2.0.0 \
    ; fi
