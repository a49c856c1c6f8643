# The body of an ONBUILD RUN heredoc is checked as the RUN it becomes in
# the child build: pip keeps its cache there (SCR009).
FROM python:3.12-slim
ONBUILD RUN <<EOF
pip install flask==3.0.3
EOF
USER 65532:65532
CMD ["python"]
