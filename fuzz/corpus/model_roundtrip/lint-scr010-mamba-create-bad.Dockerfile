FROM mambaorg/micromamba:1.5.8
RUN micromamba create -y -n app python=3.12
