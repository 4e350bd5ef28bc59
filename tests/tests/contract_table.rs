//! The single-table contract, run against the embedded SQLite table and against DynamoDB
//! (served by a moto emulator started by each test).

mod sqlite {
    use tiketi_adapters::sqlite::SqliteTable;

    async fn make() -> (SqliteTable, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        (
            SqliteTable::open(&dir.path().join("tiketi.db")).unwrap(),
            dir,
        )
    }

    tiketi_tests::table_contract!(make());
}

mod dynamodb {
    use tiketi_adapters::dynamodb::{DynamoTable, create_table};
    use tiketi_tests::moto::{Moto, unique_name};

    async fn make() -> (DynamoTable, Moto) {
        let moto = Moto::start().await;
        let client = moto.dynamodb().await;
        let name = unique_name("tiketi");
        create_table(&client, &name).await.unwrap();
        (DynamoTable::new(client, name), moto)
    }

    tiketi_tests::table_contract!(make());
}
