-- DropIndex
DROP INDEX "FollowUp_status_nextAt_idx";

-- DropIndex
DROP INDEX "FollowUp_status_unplannedAt_idx";

-- AlterTable
ALTER TABLE "ResourceGroup" ADD COLUMN "rosterCheckedAt" DATETIME;

-- CreateTable
CREATE TABLE "SweepCursor" (
    "job" TEXT NOT NULL PRIMARY KEY,
    "period" TEXT NOT NULL,
    "position" TEXT,
    "updatedAt" DATETIME NOT NULL
);

-- AlterTable (ADD COLUMN, not a copy of the table: quick on a large table)
ALTER TABLE "Agreement" ADD COLUMN "remindersPlan" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "CrisisPlan" ADD COLUMN "remindersPlan" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "BoardEntry" ADD COLUMN "remindersPlan" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "Agreement_remindersPlan_id_idx" ON "Agreement"("remindersPlan", "id");
CREATE INDEX "CrisisPlan_remindersPlan_id_idx" ON "CrisisPlan"("remindersPlan", "id");
CREATE INDEX "BoardEntry_remindersPlan_id_idx" ON "BoardEntry"("remindersPlan", "id");

-- CreateIndex
CREATE INDEX "ResourceGroup_rosterCheckedAt_id_idx" ON "ResourceGroup"("rosterCheckedAt", "id");

-- CreateIndex
CREATE INDEX "ResourceGroup_weeklyDigest_createdAt_id_idx" ON "ResourceGroup"("weeklyDigest", "createdAt", "id");

-- CreateIndex
CREATE INDEX "ResourceGroup_teamId_caseManagementModel_createdAt_idx" ON "ResourceGroup"("teamId", "caseManagementModel", "createdAt");

-- CreateIndex
CREATE INDEX "Member_personalDigest_aadObjectId_id_idx" ON "Member"("personalDigest", "aadObjectId", "id");

-- CreateIndex
CREATE INDEX "FollowUp_status_nextAt_id_idx" ON "FollowUp"("status", "nextAt", "id");

-- CreateIndex
CREATE INDEX "FollowUp_status_unplannedAt_id_idx" ON "FollowUp"("status", "unplannedAt", "id");

-- CreateIndex
CREATE INDEX "Reminder_groupId_status_idx" ON "Reminder"("groupId", "status");

-- Reminders to a person go to "user:<Teams user id>" (one destination per person's chat, whatever the
-- number of their groups), no longer "member:<membership id>": the reminders still waiting move over.
-- Those of a member without Teams could never be sent; they stay where they are and are dropped at
-- their time as before.
UPDATE "Reminder" SET "destination" = 'user:' || (SELECT m."teamsUserId" FROM "Member" m WHERE m."id" = "Reminder"."memberId")
WHERE "status" IN ('pending', 'sending') AND "destination" LIKE 'member:%'
  AND EXISTS (SELECT 1 FROM "Member" m WHERE m."id" = "Reminder"."memberId" AND m."teamsUserId" IS NOT NULL);
