-- AlterTable
ALTER TABLE "ConversationReference" ADD COLUMN "rosterCheckedAt" DATETIME;
ALTER TABLE "ConversationReference" ADD COLUMN "unreachableAt" DATETIME;
ALTER TABLE "ConversationReference" ADD COLUMN "unreachableReason" TEXT;

-- AlterTable
ALTER TABLE "ProcessedActivity" ADD COLUMN "committedAt" DATETIME;

