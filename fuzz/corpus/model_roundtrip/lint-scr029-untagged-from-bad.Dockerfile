# The base is whatever `ubuntu:latest` is on the day of the build.
FROM ubuntu
COPY app /usr/local/bin/app
ENTRYPOINT ["/usr/local/bin/app"]
