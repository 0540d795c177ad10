-- AlterTable
ALTER TABLE "FollowUp" ADD COLUMN     "revision" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "unplannedAt" TIMESTAMP(3),
ADD COLUMN     "unplannedDay" TEXT;

-- CreateIndex
CREATE INDEX "FollowUp_status_unplannedAt_idx" ON "FollowUp"("status", "unplannedAt");


-- Until now nextAt was the next occurrence not yet planned: that is where the planner goes on from.
UPDATE "FollowUp" SET "unplannedAt" = "nextAt", "unplannedDay" = "nextDay" WHERE "status" = 'active';
