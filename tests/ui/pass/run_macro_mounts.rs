// run! with options: the mounts are read by the grammar dockerfile! uses,
// and the command is judged with them, as `stagecraft lint` judges
// `RUN --mount=type=cache,target=/root/.cache/pip pip install numpy`.
use stagecraft::model::{Mount, Network, Security};
use stagecraft::{run, Dockerfile};

fn main() {
    // A cache mount on pip's cache: no `--no-cache-dir` needed.
    let pip = run!(mount = "type=cache,target=/root/.cache/pip", "pip install numpy==2.1.0");
    // A tmpfs counts too; several mounts, the network and security modes.
    let apk = run!(
        mount = "type=tmpfs,target=/var/cache/apk,size=67108864",
        mount = "type=secret,id=npmrc,target=/root/.npmrc,required",
        mount = "type=ssh",
        network = "none",
        security = "sandbox",
        "apk add curl=8.5.0-r0",
    );
    assert_eq!(pip.mounts().len(), 1);
    assert!(matches!(apk.mounts(), [Mount::Tmpfs(_), Mount::Secret(_), Mount::Ssh(_)]));
    assert_eq!(apk.network(), Some(Network::None));
    assert_eq!(apk.security(), Some(Security::Sandbox));
    let mut df = Dockerfile::builder();
    df.anonymous_stage("python:3.12-slim").run(pip).run(apk);
    let text = df.build().unwrap().render();
    assert!(text.contains("RUN --mount=type=cache,target=/root/.cache/pip"), "{text}");
    assert!(text.contains("--network=none"), "{text}");
}
