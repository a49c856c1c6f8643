//! The whole export of a built stage into a [`StageFs`] (the partial
//! reads are `partial.rs`), through [`crate::engine::archive`].

use super::*;

impl StageFs {
    /// Indexes the filesystem of `image` (a built stage): a container of it
    /// is created (never started), exported as a tar stream read entry by
    /// entry in a blocking thread, and removed. `stage` names it in errors.
    ///
    /// # Errors
    ///
    /// [`ResolveError::Docker`] or [`ResolveError::Export`].
    pub async fn export(
        engine: &Engine,
        image: &str,
        stage: impl Into<String>,
    ) -> Result<StageFs, ResolveError> {
        let stage = stage.into();
        let docker = engine.docker().clone();
        let id = partial::create_export_container(&docker, image, &stage).await?;
        let indexed = StageFs::read_export(&docker, &id, &stage).await;
        let removed = crate::engine::remove_container(&docker, &id).await;
        let fs = indexed?;
        removed.map_err(|error| ResolveError::Export {
            stage: stage.clone(),
            cause: format!("removing the export container {id}: {error}"),
        })?;
        Ok(fs)
    }

    /// `docker export` of container `id`, indexed in a blocking thread.
    pub(super) async fn read_export(
        docker: &bollard::Docker,
        id: &str,
        stage: &str,
    ) -> Result<StageFs, ResolveError> {
        let task = {
            let handle = tokio::runtime::Handle::current();
            let docker = docker.clone();
            let id = id.to_string();
            let stage = stage.to_string();
            tokio::task::spawn_blocking(move || {
                let reader = StreamRead::new(handle, docker.export_container(&id), None);
                StageFs::from_tar(reader, stage)
            })
        };
        match task.await {
            Ok(Ok(fs)) => Ok(fs),
            Ok(Err(error)) => Err(ResolveError::Export {
                stage: stage.to_string(),
                cause: error.to_string(),
            }),
            Err(error) => Err(ResolveError::Export {
                stage: stage.to_string(),
                cause: format!("the reading thread failed: {error}"),
            }),
        }
    }
}
