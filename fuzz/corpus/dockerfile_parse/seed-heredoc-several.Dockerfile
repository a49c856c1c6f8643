FROM debian:bookworm-slim
RUN <<A cat > /a && <<-'B' cat > /b
one $HOME
A
	two $HOME
	B
RUN <<"EOF" bash
echo "$HOME"
EOF
RUN python3 <<'PY'
print("hi")
PY
RUN <<EOF
#!/usr/bin/env python3
print('x')
EOF
