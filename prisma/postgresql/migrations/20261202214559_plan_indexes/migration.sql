-- CreateIndex
CREATE INDEX "Agreement_goalId_status_idx" ON "Agreement"("goalId", "status");

-- CreateIndex
CREATE INDEX "Agreement_subGoalId_idx" ON "Agreement"("subGoalId");

-- CreateIndex
CREATE INDEX "Reminder_followUpId_idx" ON "Reminder"("followUpId");

