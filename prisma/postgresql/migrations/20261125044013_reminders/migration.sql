-- The old FollowUp rows were placeholders (agreement_reminder / sip_review with a bare dueAt, written only by
-- the demo): agreement reminders are now planned from the agreements themselves, so they are dropped
-- rather than given a made-up wall-clock schedule.
DELETE FROM "FollowUp";

-- DropForeignKey
ALTER TABLE "FollowUp" DROP CONSTRAINT "FollowUp_agreementId_fkey";

-- DropIndex
DROP INDEX "FollowUp_status_dueAt_idx";

-- AlterTable
ALTER TABLE "ResourceGroup" ADD COLUMN     "escalateAfterDays" INTEGER NOT NULL DEFAULT 3,
ADD COLUMN     "reminderLeadDays" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN     "weeklyDigest" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "workDays" TEXT NOT NULL DEFAULT '1,2,3,4,5',
ADD COLUMN     "workdayEndMinute" INTEGER NOT NULL DEFAULT 1020,
ADD COLUMN     "workdayStartMinute" INTEGER NOT NULL DEFAULT 480;

-- AlterTable
ALTER TABLE "Member" ADD COLUMN     "personalDigest" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "FollowUp" DROP COLUMN "agreementId",
DROP COLUMN "attempts",
DROP COLUMN "claimedAt",
DROP COLUMN "claimedBy",
DROP COLUMN "dueAt",
DROP COLUMN "sentAt",
ADD COLUMN     "audience" TEXT NOT NULL DEFAULT 'channel',
ADD COLUMN     "audienceMemberIds" TEXT,
ADD COLUMN     "goalId" TEXT,
ADD COLUMN     "nextAt" TIMESTAMP(3),
ADD COLUMN     "nextDay" TEXT,
ADD COLUMN     "recurrence" TEXT NOT NULL DEFAULT 'once',
ADD COLUMN     "startDay" TEXT NOT NULL,
ADD COLUMN     "time" TEXT NOT NULL,
ADD COLUMN     "timeZone" TEXT NOT NULL,
ALTER COLUMN "status" SET DEFAULT 'active';

-- AlterTable
ALTER TABLE "ConversationReference" ADD COLUMN     "userId" TEXT;

-- CreateTable
CREATE TABLE "Reminder" (
    "id" TEXT NOT NULL,
    "groupId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "occurrenceKey" TEXT NOT NULL,
    "agreementId" TEXT,
    "followUpId" TEXT,
    "memberId" TEXT,
    "destination" TEXT NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "sendAfter" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "leaseOwner" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "sentAt" TIMESTAMP(3),
    "outcome" TEXT,
    "snoozedFromId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Reminder_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SendLease" (
    "destination" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "until" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SendLease_pkey" PRIMARY KEY ("destination")
);

-- CreateIndex
CREATE UNIQUE INDEX "Reminder_occurrenceKey_key" ON "Reminder"("occurrenceKey");

-- CreateIndex
CREATE INDEX "Reminder_status_sendAfter_idx" ON "Reminder"("status", "sendAfter");

-- CreateIndex
CREATE INDEX "Reminder_destination_status_sendAfter_idx" ON "Reminder"("destination", "status", "sendAfter");

-- CreateIndex
CREATE INDEX "Reminder_agreementId_idx" ON "Reminder"("agreementId");

-- CreateIndex
CREATE INDEX "FollowUp_status_nextAt_idx" ON "FollowUp"("status", "nextAt");

-- CreateIndex
CREATE INDEX "ConversationReference_userId_idx" ON "ConversationReference"("userId");

-- AddForeignKey
ALTER TABLE "Reminder" ADD CONSTRAINT "Reminder_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "ResourceGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Reminder" ADD CONSTRAINT "Reminder_followUpId_fkey" FOREIGN KEY ("followUpId") REFERENCES "FollowUp"("id") ON DELETE CASCADE ON UPDATE CASCADE;

