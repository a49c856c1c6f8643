# With no terminal, yum reads "no" and aborts the build.
FROM centos:7
RUN yum install httpd-2.4.6 && yum clean all
