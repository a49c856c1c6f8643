# `-y` in any position, `--assumeyes`.
FROM centos:7
RUN yum -y install httpd && yum install --assumeyes mod_ssl && yum clean all
