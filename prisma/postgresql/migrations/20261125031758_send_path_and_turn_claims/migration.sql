-- AlterTable
ALTER TABLE "ConversationReference" ADD COLUMN     "rosterCheckedAt" TIMESTAMP(3),
ADD COLUMN     "unreachableAt" TIMESTAMP(3),
ADD COLUMN     "unreachableReason" TEXT;

-- AlterTable
ALTER TABLE "ProcessedActivity" ADD COLUMN     "committedAt" TIMESTAMP(3);

