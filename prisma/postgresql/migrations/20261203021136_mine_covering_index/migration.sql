-- DropIndex
DROP INDEX "Agreement_responsibleMemberId_status_idx";

-- CreateIndex
CREATE INDEX "Agreement_responsibleMemberId_status_dueDate_id_idx" ON "Agreement"("responsibleMemberId", "status", "dueDate", "id");

