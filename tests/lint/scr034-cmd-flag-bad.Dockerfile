# BuildKit's `flags` parser test: every instruction but ARG and STOPSIGNAL
# refuses a flag it does not know ("unknown flag: doit").
FROM debian:bookworm-slim
CMD --doit ["/bin/true"]
ENV --x=1 A=b
STOPSIGNAL --ignored SIGTERM
