# The shiftlog worker image: the CLI jar and its libraries on eclipse-temurin:17-jre, one stage per container
# (docker-compose.yml runs `run producer`, `run transformer`, `run sink`). The jar is built on the host first —
# `mvn -B -q package -DskipTests` — so the image needs no Maven and no network to build.
FROM eclipse-temurin:17-jre
WORKDIR /app
COPY cli/target/lib/ /app/lib/
COPY cli/target/shiftlog.jar /app/shiftlog.jar
# s3proxy, the S3-compatible server of the compose stack's s3 service (its own process, not on the workers' classpath)
COPY cli/target/s3proxy/ /app/s3proxy/
COPY examples/ /app/examples/
# heap as a share of the container's memory limit; SerialGC suits one-stage workers on few cores
ENV SHIFTLOG_JAVA_OPTS="-XX:+UseSerialGC -XX:MaxRAMPercentage=70"
# exec: java is PID 1 and gets SIGTERM from `docker compose stop` directly
ENTRYPOINT ["sh", "-c", "exec java $SHIFTLOG_JAVA_OPTS -jar /app/shiftlog.jar \"$@\"", "shiftlog"]
CMD ["--help"]
