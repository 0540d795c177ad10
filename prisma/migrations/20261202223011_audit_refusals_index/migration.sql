-- CreateIndex
CREATE INDEX "AuditEvent_actorAadObjectId_outcome_at_idx" ON "AuditEvent"("actorAadObjectId", "outcome", "at");

